// Preloaded with `node -r` by the benchmarks: on exit, writes this process's peak RSS and CPU
// time to the file named by PEAK_RSS_FILE. resourceUsage().maxRSS is the kernel's own high-water mark.
'use strict';
const fs = require('fs');
process.on('exit', () => {
  if (!process.env.PEAK_RSS_FILE) return;
  const usage = process.resourceUsage();
  // maxRSS in KiB; CPU (user + system) in ms, which other load on the machine inflates less than wall time.
  fs.writeFileSync(process.env.PEAK_RSS_FILE, JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
});
