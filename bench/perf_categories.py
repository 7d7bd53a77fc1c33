"""Where a server's CPU time goes, a request at a time, from `perf script` output (run by bench/profile.sh).

Each sample is charged to its leaf frame (self time), grouped so that the groups read as the request's path: ONNX Runtime,
memory copies (charged to the managed method that asked for the copy), the kernel, the .NET runtime (GC, stubs, thread
pool), the JIT, and managed code by assembly and type. With perf's sampling frequency F, a sample is 1/F s of CPU, so a
group's microseconds a request are its samples / F / requests * 1e6.

Usage: perf_categories.py SCRIPT_OUTPUT FREQUENCY REQUESTS [top N (30)]
"""
import collections
import re
import sys

MANAGED = re.compile(r"\[([\w.]+)\] ([\w.`]+?)(?:\+[^:]*)?::")


def frames_of(sample):
    """The sample's frames, leaf first: (symbol, object file)."""
    frames = []
    for line in sample.strip().split("\n"):
        line = line.strip()
        match = re.match(r"^[0-9a-f]+ (.*) \((.*)\)$", line)
        if match:
            frames.append((match.group(1), match.group(2)))
    return frames


def managed(symbol):
    match = MANAGED.search(symbol)
    return (match.group(1), match.group(2)) if match else None


def group(frames):
    symbol, where = frames[0]
    if "libonnxruntime" in where:
        return "ONNX Runtime"
    if "memmove" in symbol or "memcpy" in symbol or "SpanHelpers::Memmove" in symbol:
        for caller, _ in frames[1:]:
            owner = managed(caller)
            if owner:
                return f"copies, asked by {owner[1].split('.')[-1]}"
        return "copies"
    if "kernel" in where:
        return "kernel (network, scheduling)"
    if "libclrjit" in where:
        return ".NET JIT"
    if "libcoreclr" in where or "libclrgc" in where:
        return ".NET runtime (GC, stubs, thread pool)"
    owner = managed(symbol)
    if owner:
        assembly, type_name = owner
        return f"managed: {assembly} {'.'.join(type_name.split('.')[-2:])}"
    if where.endswith(".map"):
        return ".NET runtime (GC, stubs, thread pool)"
    if "libc.so" in where:
        return "libc (other)"
    return f"other: {where.rsplit('/', 1)[-1]}"


def main():
    path, frequency, requests = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    counts = collections.Counter()
    samples = 0
    for sample in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
        frames = frames_of(sample)
        if not frames:
            continue
        samples += 1
        counts[group(frames)] += 1
    scale = 1e6 / frequency / requests
    print(f"{samples} samples, {requests:.0f} requests: {samples * scale:.1f} µs of CPU a request")
    print("| µs a request | share | where |")
    print("| ---: | ---: | --- |")
    for name, count in counts.most_common(top):
        print(f"| {count * scale:.1f} | {100 * count / samples:.1f}% | {name} |")


if __name__ == "__main__":
    main()
