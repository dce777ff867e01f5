// Preloaded with `node -r` by the benchmarks: on exit, writes this process's peak RSS and CPU
// time to the file named by PEAK_RSS_FILE. resourceUsage().maxRSS is the kernel's own high-water mark.
'use strict';
const fs = require('fs');
const path = require('path');
process.on('exit', () => {
  const usage = process.resourceUsage();
  // maxRSS in KiB; CPU (user + system) in ms, which other load on the machine inflates less than wall time.
  const record = JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 });
  if (process.env.PEAK_RSS_FILE) fs.writeFileSync(process.env.PEAK_RSS_FILE, record);
  // Through NODE_OPTIONS every node process of a tree (the cdktf CLI and the app it starts) reports.
  if (process.env.PEAK_RSS_DIR) fs.writeFileSync(path.join(process.env.PEAK_RSS_DIR, `${process.pid}.json`), record);
});
