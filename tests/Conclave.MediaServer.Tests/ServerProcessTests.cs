using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Channels;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// The server as a newcomer runs it: its own process on the embedded defaults (only ports and the data
/// directory changed), first start and restart.
/// </summary>
public sealed class ServerProcessTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("conclave-process-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task First_start_prints_the_admin_token_once_and_the_url_and_a_restart_keeps_both_valid()
    {
        int httpPort = TestServer.FreePort();
        int httpsPort = TestServer.FreePort();

        string adminToken;
        await using (ServerProcess first = ServerProcess.Start(_dataDirectory, httpPort, httpsPort))
        {
            string running = await first.WaitForLineAsync(l => l.StartsWith("Conclave is running", StringComparison.Ordinal));
            Assert.Contains($"http://127.0.0.1:{httpPort}", running, StringComparison.Ordinal);
            string tokenLine = Assert.Single(first.Lines, l => l.StartsWith("Admin token: ", StringComparison.Ordinal));
            adminToken = tokenLine["Admin token: ".Length..].Trim();
            Assert.Equal(adminToken, (await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "admin-token"), TestContext.Current.CancellationToken)).Trim());
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDirectory, "admin-token")));
            Assert.True(await IsAdminAsync(new Uri($"http://127.0.0.1:{httpPort}"), adminToken, pin: null));

            // HTTPS with the self-signed certificate made on first start, pinned by its fingerprint.
            using X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(_dataDirectory, "tls", "self-signed.pfx"), null);
            Assert.True(await IsAdminAsync(new Uri($"https://127.0.0.1:{httpsPort}"), adminToken, certificate));
        }

        await using ServerProcess second = ServerProcess.Start(_dataDirectory, httpPort, httpsPort);
        await second.WaitForLineAsync(l => l.StartsWith("Conclave is running", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Lines, l => l.Contains("Admin token", StringComparison.Ordinal));
        Assert.True(await IsAdminAsync(new Uri($"http://127.0.0.1:{httpPort}"), adminToken, pin: null));
    }

    private static async Task<bool> IsAdminAsync(Uri server, string token, X509Certificate2? pin)
    {
        using var handler = new HttpClientHandler();
        if (pin is not null)
        {
            byte[] expected = pin.GetCertHash(HashAlgorithmName.SHA256);
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                cert is not null && cert.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(expected);
        }
        using var http = new HttpClient(handler) { BaseAddress = server };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response = await http.GetAsync("/api/me", Deadline.Token);
        if (response.StatusCode != HttpStatusCode.OK) return false;
        using JsonDocument me = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Deadline.Token));
        return me.RootElement.GetProperty("isAdmin").GetBoolean();
    }

    /// <summary>A <c>Conclave.MediaServer</c> process whose standard output is collected line by line.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly List<string> _seen = [];

        private ServerProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Writer.TryWrite(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Writer.TryWrite("stderr: " + e.Data); };
            process.EnableRaisingEvents = true;
            process.Exited += (_, _) => _lines.Writer.TryComplete();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines => _seen;

        public static ServerProcess Start(string dataDirectory, int httpPort, int httpsPort)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataDirectory };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Conclave.MediaServer.dll"));
            start.Environment["Conclave__DataDirectory"] = dataDirectory;
            start.Environment["Conclave__Listen__Http"] = $"http://127.0.0.1:{httpPort}";
            start.Environment["Conclave__Listen__Https"] = $"https://127.0.0.1:{httpsPort}";
            start.Environment["Conclave__Cluster__SiloPort"] = TestServer.FreePort().ToString(CultureInfo.InvariantCulture);
            start.Environment["Conclave__Cluster__GatewayPort"] = TestServer.FreePort().ToString(CultureInfo.InvariantCulture);
            start.Environment["Conclave__Media__Port"] = "0";
            return new ServerProcess(Process.Start(start)!);
        }

        /// <summary>Reads output until a line matches; fails with everything printed if the process exits or the deadline passes.</summary>
        public async Task<string> WaitForLineAsync(Func<string, bool> match)
        {
            try
            {
                // A cold start on a loaded 2-core CI machine can take far longer than the usual 5-7 s.
                await foreach (string line in _lines.Reader.ReadAllAsync(Deadline.After(TimeSpan.FromMinutes(3))))
                {
                    _seen.Add(line);
                    if (match(line)) return line;
                }
            }
            catch (OperationCanceledException)
            {
            }
            throw new Xunit.Sdk.XunitException("the server did not print the expected line; output:\n" + string.Join('\n', _seen));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
