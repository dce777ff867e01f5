// Preloaded with `node -r` by the benchmarks: on exit, writes this process's peak RSS (KiB)
// to the file named by PEAK_RSS_FILE. resourceUsage().maxRSS is the kernel's own high-water mark.
'use strict';
const fs = require('fs');
process.on('exit', () => {
  if (process.env.PEAK_RSS_FILE) fs.writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
