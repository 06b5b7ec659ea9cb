using System.Diagnostics;

namespace Conclave.MediaServer.Tests;

/// <summary>Media files made by ffmpeg's own generators (lavfi): nothing is downloaded.</summary>
internal static class TestMedia
{
    public static async Task<string> CreateAsync(string directory, string name, string arguments)
    {
        string path = Path.Combine(directory, name);
        using Process ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", $"-hide_banner -loglevel error -y {arguments} {path}")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        string errors = await ffmpeg.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg {arguments}: {errors}");
        return path;
    }
}
