using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Conclave.Client;

namespace Conclave.Bench.Files;

/// <summary>Peak resident memory (VmHWM) and CPU time of the two processes over one phase.</summary>
/// <param name="Seconds">The phase as the client timed it (SendAsync or ReceiveAsync).</param>
/// <param name="Server">The server's memory at the end of the phase; its Peak is the VmHWM over the phase (reset at
/// its start).</param>
/// <param name="Client">The client's.</param>
internal sealed record ProcessPhase(double Seconds, ProcFs.Resident Server, ProcFs.Resident Client, double ServerCpuSeconds, double ClientCpuSeconds,
    double? AzuriteCpuSeconds, double? UploadSeconds = null);

/// <summary>The memory step for one store.</summary>
/// <param name="ServerReady">The server's memory once the client was ready (start-up, the user's creation, the device
/// registration); its Peak is the VmHWM since the start.</param>
internal sealed record MemoryResult(StoreKind Store, long Size, long EncryptedLength, ProcFs.Resident ServerReady, ProcFs.Resident ClientReady,
    ProcessPhase Upload, ProcessPhase Download, bool PeaksReset)
{
    public long ServerPeak => Math.Max(ServerReady.Peak, Math.Max(Upload.Server.Peak, Download.Server.Peak));
    public long ClientPeak => Math.Max(ClientReady.Peak, Math.Max(Upload.Client.Peak, Download.Client.Peak));
}

/// <summary>
/// The real server (Conclave.MediaServer.dll, run by the dotnet host as in production: its own runtimeconfig, server GC)
/// and a client (this tool as <see cref="ChildClient"/>, workstation GC like the CLI) in two processes, configured
/// through environment variables (docs/configuration.md): a fresh data directory, HTTP on a free loopback port, no
/// HTTPS, free Orleans ports, the store. The client sends the file and receives it back; the peak RSS of each process
/// is read from /proc between the phases, and reset (clear_refs) so that each phase has its own.
/// </summary>
internal sealed class SeparateProcessBench(BenchOptions options, TextWriter progress)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(30);

    public async Task<MemoryResult> RunAsync(StoreKind store, string serverDll, string file, string workDirectory, CancellationToken cancellationToken)
    {
        string tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        string dataDirectory = Path.Combine(workDirectory, $"server-{store.ToString().ToLowerInvariant()}-{tag}");
        Directory.CreateDirectory(dataDirectory);
        int port = InProcessServer.FreePort();
        var server = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        string container = $"bench-memory-{tag}";
        var environment = new Dictionary<string, string>
        {
            ["Conclave__DataDirectory"] = dataDirectory,
            ["Conclave__Listen__Http"] = server.ToString().TrimEnd('/'),
            ["Conclave__Listen__Https"] = "",
            ["Conclave__Cluster__SiloPort"] = InProcessServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Conclave__Cluster__GatewayPort"] = InProcessServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Conclave__Media__Port"] = "0",
            ["Conclave__Media__BindAddress"] = "127.0.0.1",
            ["Conclave__Media__AnnouncedAddress"] = "127.0.0.1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Conclave__Files__Store"] = store == StoreKind.Azure ? "AzureBlob" : "Local",
        };
        foreach ((string key, string value) in options.ServerEnvironment) environment[key] = value;
        if (store == StoreKind.Azure)
        {
            environment["Conclave__Files__ConnectionString"] = options.AzureConnectionString!;
            environment["Conclave__Files__Container"] = container;
        }

        string serverLog = Path.Combine(workDirectory, $"server-{tag}.log");
        progress.WriteLine($"memory ({store}): starting {serverDll} (log {serverLog})…");
        using Process serverProcess = Start(DotnetHost(), [serverDll], Path.GetDirectoryName(serverDll)!, environment, serverLog, redirectInput: false);
        Process? clientProcess = null;
        try
        {
            string adminToken = await WaitForServerAsync(serverProcess, server, dataDirectory, cancellationToken).ConfigureAwait(false);
            BenchUser user = await BenchUser.CreateAsync(server, adminToken, cancellationToken).ConfigureAwait(false);
            string tokenFile = Path.Combine(workDirectory, $"client-token-{tag}");
            File.WriteAllText(tokenFile, user.Token);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            string clientLog = Path.Combine(workDirectory, $"client-{tag}.log");
            clientProcess = Start(DotnetHost(), [typeof(ChildClient).Assembly.Location, ChildClient.Mode, server.ToString(), tokenFile, user.UserId, file, workDirectory],
                workDirectory, new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }, clientLog, redirectInput: true);
            await ExpectAsync(clientProcess, "ready", cancellationToken).ConfigureAwait(false);

            int serverPid = serverProcess.Id, clientPid = clientProcess.Id;
            ProcFs.Resident serverReady = Memory(serverPid), clientReady = Memory(clientPid);
            bool reset = ProcFs.ResetPeak(serverPid) & ProcFs.ResetPeak(clientPid);
            progress.WriteLine($"memory ({store}): server RSS {serverReady.Rss >> 20} MiB (peak so far {serverReady.Peak >> 20}), client {clientReady.Rss >> 20} MiB; sending {new FileInfo(file).Length >> 20} MiB…");

            (double serverCpu, double clientCpu, double? azuriteCpu) = Cpu(serverPid, clientPid);
            await clientProcess.StandardInput.WriteLineAsync("send").ConfigureAwait(false);
            Dictionary<string, string> sent = await ExpectAsync(clientProcess, "sent", cancellationToken).ConfigureAwait(false);
            ProcFs.Resident serverUpload = Memory(serverPid), clientUpload = Memory(clientPid);
            (double serverCpu2, double clientCpu2, double? azuriteCpu2) = Cpu(serverPid, clientPid);
            reset &= ProcFs.ResetPeak(serverPid) & ProcFs.ResetPeak(clientPid);
            var upload = new ProcessPhase(Number(sent, "seconds"), serverUpload, clientUpload, serverCpu2 - serverCpu, clientCpu2 - clientCpu,
                azuriteCpu2 - azuriteCpu, Number(sent, "upload"));
            progress.WriteLine($"memory ({store}): sent in {upload.Seconds:0.0} s; server peak {serverUpload.Peak >> 20} MiB, client peak {clientUpload.Peak >> 20} MiB; receiving…");

            await clientProcess.StandardInput.WriteLineAsync("receive").ConfigureAwait(false);
            Dictionary<string, string> received = await ExpectAsync(clientProcess, "received", cancellationToken).ConfigureAwait(false);
            ProcFs.Resident serverDownload = Memory(serverPid), clientDownload = Memory(clientPid);
            (double serverCpu3, double clientCpu3, double? azuriteCpu3) = Cpu(serverPid, clientPid);
            var download = new ProcessPhase(Number(received, "seconds"), serverDownload, clientDownload, serverCpu3 - serverCpu2,
                clientCpu3 - clientCpu2, azuriteCpu3 - azuriteCpu2);
            progress.WriteLine($"memory ({store}): received in {download.Seconds:0.0} s; server peak {serverDownload.Peak >> 20} MiB, client peak {clientDownload.Peak >> 20} MiB");
            if (long.Parse(received["size"], CultureInfo.InvariantCulture) != new FileInfo(file).Length)
                throw new BenchException($"the client process received {received["size"]} bytes of {new FileInfo(file).Length}");

            await clientProcess.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
            await clientProcess.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            File.Delete(tokenFile);
            return new MemoryResult(store, new FileInfo(file).Length, long.Parse(sent["length"], CultureInfo.InvariantCulture),
                serverReady, clientReady, upload, download, reset);
        }
        finally
        {
            if (clientProcess is { HasExited: false }) clientProcess.Kill();
            clientProcess?.Dispose();
            if (!serverProcess.HasExited)
            {
                serverProcess.Kill();
                await serverProcess.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            if (store == StoreKind.Azure)
                await new BlobContainerClient(options.AzureConnectionString, container).DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            TryDelete(dataDirectory);
        }
    }

    private (double Server, double Client, double? Azurite) Cpu(int server, int client) =>
        (ProcFs.CpuSeconds(server) ?? double.NaN, ProcFs.CpuSeconds(client) ?? double.NaN, options.AzuritePid is { } pid ? ProcFs.CpuSeconds(pid) : null);

    private static ProcFs.Resident Memory(int pid) => ProcFs.Memory(pid) ?? throw new BenchException($"process {pid} has no /proc status (gone?)");

    private static double Number(Dictionary<string, string> fields, string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);

    /// <summary>Waits until the server wrote its admin token and answers tus OPTIONS; the token.</summary>
    private static async Task<string> WaitForServerAsync(Process process, Uri server, string dataDirectory, CancellationToken cancellationToken)
    {
        string tokenFile = Path.Combine(dataDirectory, "admin-token");
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited) throw new BenchException($"the server exited at start with code {process.ExitCode}; see its log");
            if (File.Exists(tokenFile))
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Options, "api/uploads");
                    using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode) return File.ReadAllText(tokenFile).Trim();
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        throw new BenchException($"the server did not start within {StartTimeout.TotalSeconds} s");
    }

    /// <summary>Reads the child's lines until one starts with <paramref name="word"/>; its key=value fields.</summary>
    private static async Task<Dictionary<string, string>> ExpectAsync(Process child, string word, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PhaseTimeout);
        while (true)
        {
            string? line = await child.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false)
                ?? throw new BenchException($"the client process ended (exit code {(child.WaitForExit(5000) ? child.ExitCode : -1)}) before '{word}'; see its log");
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0] != word) continue;
            return parts.Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        }
    }

    /// <summary>Starts <paramref name="file"/>; its stderr (and its stdout unless <paramref name="redirectInput"/>, when
    /// stdout is the protocol) go to <paramref name="log"/>.</summary>
    private static Process Start(string file, IEnumerable<string> arguments, string directory, Dictionary<string, string> environment, string log, bool redirectInput)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        foreach ((string key, string value) in environment) info.Environment[key] = value;
        var writer = new StreamWriter(log) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var gate = new Lock();
        bool closed = false;
        void Write(string? line)
        {
            if (line is null) return;
            lock (gate)
            {
                if (!closed) writer.WriteLine(line);
            }
        }
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        if (!redirectInput) process.OutputDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) => Task.Delay(1000).ContinueWith(_ =>
        {
            lock (gate)
            {
                closed = true;
                writer.Dispose();
            }
        }, TaskScheduler.Default);
        if (!process.Start()) throw new BenchException($"cannot start {file}");
        process.BeginErrorReadLine();
        if (!redirectInput) process.BeginOutputReadLine();
        return process;
    }

    /// <summary>The dotnet host this tool runs on (or the one next to the runtime).</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // left to the work directory's removal
        }
    }
}
