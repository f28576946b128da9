// The memory cap that covers what the V8 heap cap (--max-old-space-size) does not: Buffers, typed arrays and
// everything else allocated outside the JavaScript heap. A child at a 64 MB heap cap still allocated 1 GiB of
// Buffers without it.
//
// Two caps, both set before any of the child's code runs:
//   - a cgroup's memory limit (run-cgroup.ts) where botd has one to give (cgroup-detect.ts): resident memory of
//     every process of the sandbox, kernel memory included, against residentBudgetBytes(); the kernel kills the
//     child when it is reached, and the run records that (verdict.ts);
//   - RLIMIT_AS, set by the child's launcher (launcher.ts) before bwrap starts, so every process of the sandbox
//     inherits it. It needs no privilege and no delegation and works on every Linux kernel: the floor, kept in
//     every case.
//
// What it costs: it limits address space, not resident memory. Node reserves address space it never touches
// (measured, Node 20.20 x64, --max-old-space-size=256: 728 MB of VmSize at start for 40 MB resident, 512 MB of
// it one V8 reservation). So the limit is that baseline plus room for the heap to grow to its cap plus as much
// again outside it: 1 GiB + 2 × heap. At the default 256 MB heap that is 1.5 GiB, which let a bot hold about
// 512 MB of Buffers; asking for more fails inside the bot with `RangeError: Array buffer allocation failed`,
// and a heap that grows to its cap still ends the way it always did (V8's heap out of memory). WebAssembly,
// which reserves 10 GB per memory, cannot run under it; bots have no use for it.
// The cgroup's budget: the heap up to its cap, plus 256 MB for everything else. Node's own resident at start is
// about 45 MB (measured, Node 20.20, a child from the runtime snapshot: binary text, snapshot, code); the rest is
// for Buffers and typed arrays (candles, messages), more than any bot this install ships uses. At the default
// 256 MB heap that is 512 MB, below what RLIMIT_AS lets through (about 512 MB of Buffers on top of a full heap):
// where the cgroup is in force it is the cap that binds, on resident memory, and RLIMIT_AS stops the address-space
// reservations it never sees (memory reserved and not touched).
export function residentBudgetBytes(heapMb: number): number {
  return (heapMb + 256) * 1024 * 1024;
}

export function addressSpaceLimitBytes(heapMb: number): number {
  return (1024 + 2 * heapMb) * 1024 * 1024;
}
