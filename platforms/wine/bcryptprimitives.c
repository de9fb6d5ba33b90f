/*
 * A stand-in for Windows' bcryptprimitives.dll, for running the Windows addon under wine only
 * (make test-platforms). Rust's std takes its random numbers from ProcessPrng in that DLL
 * (HashMap seeds); every Windows since 10 has it, wine 8 does not, so the addon would not
 * load. This one answers ProcessPrng with advapi32's RtlGenRandom (SystemFunction036), which
 * wine implements. It is never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x80000000u ? 0x80000000u : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
