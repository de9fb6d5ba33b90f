#!/usr/bin/env python3
"""Checks a built addon's file where it cannot run here (macOS, musl) and, for the others, as a
second look: format, CPU, minimum OS version, the libraries it links and, for Linux, the newest
glibc symbol version it needs (none at all for musl). Standard library only: no tool here reads
Mach-O, and one parser for ELF, Mach-O and PE keeps the three checks alike.

    python3 platforms/check_binary.py <platform> <file.node>

Prints one line of what it found; exits 1 with every broken expectation otherwise.
"""

import struct
import sys

# What each platform package's binary must be. `libs` is the set it may link, no more.
EXPECTED = {
    "linux-x64-gnu": {"format": "ELF", "cpu": "x86_64", "glibc_max": (2, 17),
                      "libs": {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
                               "libgcc_s.so.1", "librt.so.1", "ld-linux-x86-64.so.2"}},
    "linux-arm64-gnu": {"format": "ELF", "cpu": "aarch64", "glibc_max": (2, 17),
                        "libs": {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
                                 "libgcc_s.so.1", "librt.so.1", "ld-linux-aarch64.so.1"}},
    # musl's libc is one library; zig names it libc.so, Alpine resolves it to libc.musl-*.so.1.
    "linux-x64-musl": {"format": "ELF", "cpu": "x86_64", "glibc_max": None,
                       "libs": {"libc.so", "libc.musl-x86_64.so.1"}},
    "linux-arm64-musl": {"format": "ELF", "cpu": "aarch64", "glibc_max": None,
                         "libs": {"libc.so", "libc.musl-aarch64.so.1"}},
    "darwin-x64": {"format": "Mach-O", "cpu": "x86_64", "min_os": "10.13",
                   "libs": {"/usr/lib/libSystem.B.dylib", "/usr/lib/libiconv.2.dylib",
                            "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation"}},
    "darwin-arm64": {"format": "Mach-O", "cpu": "arm64", "min_os": "11.0",
                     "libs": {"/usr/lib/libSystem.B.dylib", "/usr/lib/libiconv.2.dylib",
                              "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation"}},
    # System DLLs only: the napi_* functions are looked up in node.exe at load time (napi's
    # dyn-symbols), so neither node.exe nor a libnode.dll may be imported.
    "win32-x64-msvc": {"format": "PE", "cpu": "x86_64",
                       "libs": {"kernel32.dll", "ntdll.dll", "msvcrt.dll", "bcryptprimitives.dll",
                                "advapi32.dll", "ws2_32.dll", "userenv.dll", "api-ms-win-core-synch-l1-2-0.dll"}},
}


def elf(data):
    if data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    e_shoff, = struct.unpack_from("<Q", data, 40)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 58)
    sections = []
    for i in range(e_shnum):
        name, kind, _flags, _addr, offset, size, link = struct.unpack_from(
            "<IIQQQQI", data, e_shoff + i * e_shentsize)
        sections.append({"name": name, "type": kind, "offset": offset, "size": size, "link": link})

    def string(section, at):
        start = section["offset"] + at
        return data[start:data.index(b"\0", start)].decode()

    libs, versions = set(), set()
    for s in sections:
        if s["type"] == 6:  # SHT_DYNAMIC
            strtab = sections[s["link"]]
            for at in range(s["offset"], s["offset"] + s["size"], 16):
                tag, value = struct.unpack_from("<qQ", data, at)
                if tag == 1:  # DT_NEEDED
                    libs.add(string(strtab, value))
        if s["type"] == 0x6FFFFFFE:  # SHT_GNU_verneed: the versions of symbols it imports
            strtab = sections[s["link"]]
            at = s["offset"]
            while True:
                _v, count, _file, aux, nxt = struct.unpack_from("<HHIII", data, at)
                a = at + aux
                for _ in range(count):
                    _hash, _flags, _other, name, anext = struct.unpack_from("<IHHII", data, a)
                    versions.add(string(strtab, name))
                    a += anext
                if not nxt:
                    break
                at += nxt
    cpu = {62: "x86_64", 183: "aarch64"}.get(e_machine, f"machine {e_machine}")
    glibc = sorted(tuple(int(x) for x in v[len("GLIBC_"):].split(".")) for v in versions
                   if v.startswith("GLIBC_") and v[6:7].isdigit())
    return {"format": "ELF", "cpu": cpu, "shared": e_type == 3, "libs": libs,
            "glibc": glibc, "symbol_versions": versions}


def macho(data):
    magic, cputype, _sub, filetype, ncmds, _size, _flags, _res = struct.unpack_from("<IiiIIIII", data, 0)
    if magic != 0xFEEDFACF:
        raise ValueError("not a 64-bit little-endian Mach-O")
    cpu = {0x01000007: "x86_64", 0x0100000C: "arm64"}.get(cputype, f"cputype {cputype:#x}")
    at, libs, min_os = 32, set(), None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd in (0xC, 0x80000018, 0x1F):  # LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB
            offset, = struct.unpack_from("<I", data, at + 8)
            libs.add(data[at + offset:at + size].split(b"\0")[0].decode())
        elif cmd == 0x32:  # LC_BUILD_VERSION: platform, minos
            _platform, minos = struct.unpack_from("<II", data, at + 8)
            min_os = minos
        elif cmd == 0x24:  # LC_VERSION_MIN_MACOSX: version
            min_os, = struct.unpack_from("<I", data, at + 8)
        at += size
    version = None if min_os is None else f"{min_os >> 16}.{(min_os >> 8) & 0xFF}"
    return {"format": "Mach-O", "cpu": cpu, "shared": filetype in (6, 8), "libs": libs, "min_os": version}


def pe(data):
    at, = struct.unpack_from("<I", data, 0x3C)
    if data[at:at + 4] != b"PE\0\0":
        raise ValueError("no PE signature")
    machine, nsections, _t, _p, _n, opt_size, characteristics = struct.unpack_from("<HHIIIHH", data, at + 4)
    opt = at + 24
    if struct.unpack_from("<H", data, opt)[0] != 0x20B:
        raise ValueError("not PE32+")
    import_rva, _ = struct.unpack_from("<II", data, opt + 112 + 8)  # data directory 1: imports
    sections = []
    for i in range(nsections):
        s = opt + opt_size + i * 40
        vsize, vaddr, rsize, raw = struct.unpack_from("<IIII", data, s + 8)
        sections.append((vaddr, max(vsize, rsize), raw))

    def offset(rva):
        for vaddr, size, raw in sections:
            if vaddr <= rva < vaddr + size:
                return rva - vaddr + raw
        raise ValueError(f"rva {rva:#x} in no section")

    libs = set()
    if import_rva:
        at = offset(import_rva)
        while True:
            name_rva, = struct.unpack_from("<I", data, at + 12)
            if not name_rva:
                break
            start = offset(name_rva)
            libs.add(data[start:data.index(b"\0", start)].decode().lower())
            at += 20
    cpu = {0x8664: "x86_64", 0xAA64: "arm64"}.get(machine, f"machine {machine:#x}")
    return {"format": "PE", "cpu": cpu, "shared": bool(characteristics & 0x2000), "libs": libs}


def inspect(data):
    if data[:4] == b"\x7fELF":
        return elf(data)
    if data[:4] == b"\xcf\xfa\xed\xfe":
        return macho(data)
    if data[:2] == b"MZ":
        return pe(data)
    raise ValueError("neither ELF, Mach-O nor PE")


def problems(platform, found):
    want = EXPECTED[platform]
    out = []
    for key in ("format", "cpu"):
        if found[key] != want[key]:
            out.append(f"{key}: {found[key]}, expected {want[key]}")
    if not found["shared"]:
        out.append("not a shared library")
    extra = found["libs"] - want["libs"]
    if extra:
        out.append(f"links {sorted(extra)} beyond {sorted(want['libs'])}")
    if "glibc_max" in want:
        if want["glibc_max"] is None:
            if found["glibc"] or any(v.startswith("GLIBC") for v in found["symbol_versions"]):
                out.append(f"needs glibc symbols {sorted(found['symbol_versions'])}")
        elif not found["glibc"] or found["glibc"][-1] > want["glibc_max"]:
            newest = ".".join(map(str, found["glibc"][-1])) if found["glibc"] else "none"
            out.append(f"newest glibc symbol version {newest}, at most {'.'.join(map(str, want['glibc_max']))} allowed")
    if "min_os" in want and found["min_os"] != want["min_os"]:
        out.append(f"minimum macOS {found['min_os']}, expected {want['min_os']}")
    return out


def summary(found):
    parts = [found["format"], found["cpu"]]
    if found.get("min_os"):
        parts.append(f"macOS >= {found['min_os']}")
    if "glibc" in found:
        parts.append(f"glibc >= {'.'.join(map(str, found['glibc'][-1]))}" if found["glibc"] else "no glibc symbols")
    parts.append("links " + ", ".join(sorted(found["libs"])))
    return "; ".join(parts)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in EXPECTED:
        sys.exit(f"usage: check_binary.py <{'|'.join(EXPECTED)}> <file>")
    platform, path = sys.argv[1:]
    with open(path, "rb") as f:
        found = inspect(f.read())
    broken = problems(platform, found)
    if broken:
        print(f"check-binary: {path} ({platform}): " + "; ".join(broken), file=sys.stderr)
        sys.exit(1)
    print(f"check-binary: {platform}: {summary(found)}")


if __name__ == "__main__":
    main()
