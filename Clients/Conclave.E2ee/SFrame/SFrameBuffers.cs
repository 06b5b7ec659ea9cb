using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Conclave.E2ee.SFrame;

/// <summary>Buffer helpers that let encryption and decryption run in place in the caller's buffer.</summary>
internal static class SFrameBuffers
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, correct for overlapping spans; free when they are the same.</summary>
    public static void Move(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (Unsafe.AreSame(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination))) return;
        source.CopyTo(destination);                                  // Span.CopyTo is memmove
    }
}
