using System.Buffers.Binary;
using System.Numerics;

namespace Conclave.MediaServer.Tests;

/// <summary>WAV reading and spectrum checks for the audio tests.</summary>
internal static class AudioAnalysis
{
    /// <summary>Reads a 48 kHz mono 16-bit PCM WAV file, checking its header says so and matches its length.</summary>
    public static short[] ReadWav(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.True(file.Length >= 44, $"{path} is {file.Length} bytes, shorter than a WAV header");
        Assert.Equal("RIFF"u8.ToArray(), file[..4]);
        Assert.Equal("WAVE"u8.ToArray(), file[8..12]);
        Assert.Equal("fmt "u8.ToArray(), file[12..16]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(20)));          // PCM
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(22)));          // mono
        Assert.Equal(48000, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(24)));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(34)));
        Assert.Equal("data"u8.ToArray(), file[36..40]);
        int data = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40));
        Assert.Equal(file.Length - 44, data);
        Assert.Equal(file.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4)));
        var samples = new short[data / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(44 + 2 * i));
        return samples;
    }

    /// <summary>Root mean square of the samples.</summary>
    public static double Rms(ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty) return 0;
        double sum = 0;
        foreach (short s in samples) sum += (double)s * s;
        return Math.Sqrt(sum / samples.Length);
    }

    /// <summary>The frequency of the strongest bin of a Hann-windowed FFT of the first <paramref name="size"/>
    /// samples (a power of two), and the bin width.</summary>
    public static (double Frequency, double BinWidth) DominantFrequency(ReadOnlySpan<short> samples, int size = 16384, int sampleRate = 48000)
    {
        Assert.True(samples.Length >= size, $"{samples.Length} samples, {size} needed");
        var x = new Complex[size];
        for (int i = 0; i < size; i++) x[i] = samples[i] * (0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (size - 1)));
        Fft(x);
        int peak = 1;
        for (int k = 1; k < size / 2; k++) if (x[k].Magnitude > x[peak].Magnitude) peak = k;
        double bin = (double)sampleRate / size;
        return (peak * bin, bin);
    }

    /// <summary>In-place iterative radix-2 FFT (Cooley–Tukey).</summary>
    private static void Fft(Complex[] x)
    {
        int n = x.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) (x[i], x[j]) = (x[j], x[i]);
        }
        for (int length = 2; length <= n; length <<= 1)
        {
            Complex w = Complex.FromPolarCoordinates(1, -2 * Math.PI / length);
            for (int i = 0; i < n; i += length)
            {
                Complex wk = Complex.One;
                for (int k = 0; k < length / 2; k++)
                {
                    Complex u = x[i + k], v = x[i + k + length / 2] * wk;
                    x[i + k] = u + v;
                    x[i + k + length / 2] = u - v;
                    wk *= w;
                }
            }
        }
    }
}
