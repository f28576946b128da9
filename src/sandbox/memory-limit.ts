// The memory cap that covers what the V8 heap cap (--max-old-space-size) does not: Buffers, typed arrays and
// everything else allocated outside the JavaScript heap. A child at a 64 MB heap cap still allocated 1 GiB of
// Buffers without it.
//
// It is RLIMIT_AS, set by util-linux `prlimit` before bwrap starts, so every process of the sandbox inherits it.
// Why not a cgroup: the memory controller is only usable where botd owns a cgroup v2 subtree with `memory`
// delegated to it, and moving a child into it before any of its code runs needs a helper process of its own;
// on this kind of host (cgroup v1 with an empty v2 mount, no systemd) there is none to be had. RLIMIT_AS needs
// no privilege and no delegation and works on every Linux kernel.
//
// What it costs: it limits address space, not resident memory. Node reserves address space it never touches
// (measured, Node 20.20 x64, --max-old-space-size=256: 728 MB of VmSize at start for 40 MB resident, 512 MB of
// it one V8 reservation). So the limit is that baseline plus room for the heap to grow to its cap plus as much
// again outside it: 1 GiB + 2 × heap. At the default 256 MB heap that is 1.5 GiB, which let a bot hold about
// 512 MB of Buffers; asking for more fails inside the bot with `RangeError: Array buffer allocation failed`,
// and a heap that grows to its cap still ends the way it always did (V8's heap out of memory). WebAssembly,
// which reserves 10 GB per memory, cannot run under it; bots have no use for it.
export function addressSpaceLimitBytes(heapMb: number): number {
  return (1024 + 2 * heapMb) * 1024 * 1024;
}

/** prlimit's arguments: the address-space cap, and no core dumps (a bot's memory is nobody's business). */
export function prlimitArgs(heapMb: number): string[] {
  const bytes = addressSpaceLimitBytes(heapMb);
  return [`--as=${bytes}:${bytes}`, '--core=0:0', '--'];
}
