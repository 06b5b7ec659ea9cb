using System.Diagnostics;
using Conclave.Client;
using Conclave.Client.Files;
using Conclave.E2ee.Identity;
using Conclave.FileStore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Bench.Files;

/// <summary>One SecureFiles.SendAsync of the test file, with where its time went.</summary>
/// <param name="SendSeconds">The whole SendAsync.</param>
/// <param name="BeforeUploadSeconds">From the call to the first upload report: the recipients' devices (API), the tus
/// POST and the first HEAD. (The file is hashed while it is encrypted: docs/files.md, "Head last".)</param>
/// <param name="UploadSeconds">From the first to the last upload report: every PATCH (hash, encrypt, send, stage) and the
/// commit (the last HEAD reports the whole length once the server committed).</param>
/// <param name="KeysSeconds">After the upload: wrapping and signing the key for each device, PUT keys.</param>
/// <param name="StoreOnly">Upload window, server side: staging (or committing) while no body read was pending, i.e.
/// the server held the next block and waited for the store.</param>
/// <param name="BodyOnly">A body read pending and nothing being staged: the server waited for the client.</param>
/// <param name="Both">Staging while reading the next block: the overlap UploadReceiver is built for.</param>
/// <param name="Neither">Neither: the server recording blocks in the FileGrain, request turnarounds (response, the
/// client's HEAD, the next PATCH's first bytes).</param>
/// <param name="StageSeconds">Sum of the StageBlockAsync calls (sequential: never two at once).</param>
/// <param name="InnerGapMs">Between two stages in one PATCH: from a stage's end to the next one's start, each (ms).
/// With the next block already read (the store-bound case), this is UploadReceiver recording the block in the
/// FileGrain (AppendBlocksAsync, a grain state write) before it starts the next stage.</param>
/// <param name="BoundaryGapMs">Between the last stage of a PATCH and the first of the next, each (ms): the response,
/// the client's HEAD and next PATCH, and reading the whole first block of the new body before staging starts.</param>
/// <param name="SourceSeconds">Client: reading the PATCH bodies' source (encryption + the file read).</param>
/// <param name="NetworkWriteSeconds">Client: writing them to the connection (blocked while the server does not read).</param>
internal sealed record UploadResult(double SendSeconds, double BeforeUploadSeconds, double UploadSeconds,
    double KeysSeconds, double StoreOnly, double BodyOnly, double Both, double Neither, int Stages, double StageSeconds, double CommitSeconds,
    IReadOnlyList<double> InnerGapMs, IReadOnlyList<double> BoundaryGapMs,
    double SourceSeconds, double NetworkWriteSeconds, int Patches, int Heads, double CpuSeconds, double? AzuriteCpuSeconds);

/// <summary>One SecureFiles.ReceiveAsync of it.</summary>
/// <param name="BeforeGetSeconds">From the call to sending GET …/content (GetFileAsync: the file and its wraps).</param>
/// <param name="GetSeconds">GET sent until its response headers: the server authorizes (the FileGrain's audit
/// record) and opens the blob (<paramref name="BlobOpenSeconds"/>).</param>
/// <param name="BodySeconds">Response headers until the last body read returned.</param>
/// <param name="AfterSeconds">After the last body read: the trailing-data and SHA-256 checks, the rename.</param>
/// <param name="BlobReadSeconds">Server: waiting for the store's blob stream (sum of its reads).</param>
/// <param name="BlobStreamSeconds">Server: the blob stream's life, from open to dispose (the response body).</param>
/// <param name="ResponseReadSeconds">Client: waiting for the response body (sum of its reads); the rest of
/// <paramref name="BodySeconds"/> is the client's own work (unwrap, decrypt, SHA-256, write).</param>
internal sealed record DownloadResult(double ReceiveSeconds, double BeforeGetSeconds, double GetSeconds, double BlobOpenSeconds, double BodySeconds,
    double AfterSeconds, double BlobReadSeconds, double BlobStreamSeconds, double ResponseReadSeconds, double CpuSeconds, double? AzuriteCpuSeconds);

/// <summary>One end-to-end run: the upload then the download of the same file.</summary>
internal sealed record EndToEndResult(StoreKind Store, int Run, long Size, long EncryptedLength, UploadResult Upload, DownloadResult Download)
{
    public double SendMiBps => EncryptedLength / (double)TestFiles.MiB / Upload.SendSeconds;
    public double UploadPhaseMiBps => EncryptedLength / (double)TestFiles.MiB / Upload.UploadSeconds;
    public double ReceiveMiBps => EncryptedLength / (double)TestFiles.MiB / Download.ReceiveSeconds;
}

/// <summary>
/// The real server in this process (InProcessServer) with one store, behind <see cref="TimingBlobStore"/> and
/// <see cref="BodyTimingFilter"/>, and a SecureFiles client over <see cref="TimingHandler"/>: one user, one device,
/// files sent to themselves (SendAsync always wraps the key for the sender's own devices).
/// </summary>
internal sealed class EndToEndSession : IAsyncDisposable
{
    private readonly InProcessServer _server;
    private readonly ConclaveApiClient _api;
    private readonly HttpClient _transfers;
    private readonly DeviceIdentity _identity;
    private readonly SecureFiles _files;
    private readonly Timeline _timeline;
    private readonly PendingUploadStore _pending;
    private readonly string _workDirectory;
    private readonly int? _azuritePid;

    private EndToEndSession(InProcessServer server, ConclaveApiClient api, HttpClient transfers, DeviceIdentity identity, SecureFiles files,
        Timeline timeline, string workDirectory, int? azuritePid)
    {
        _server = server;
        _api = api;
        _transfers = transfers;
        _identity = identity;
        _files = files;
        _timeline = timeline;
        _workDirectory = workDirectory;
        _pending = new PendingUploadStore(Path.Combine(workDirectory, "pending"));
        _azuritePid = azuritePid;
    }

    public Uri Server => _server.BaseAddress;

    /// <param name="store">The store the server uses, already made (an Azure container must exist).</param>
    /// <param name="settings">The server's Conclave:Files settings for that store.</param>
    public static async Task<EndToEndSession> StartAsync(IBlobStore store, IReadOnlyDictionary<string, string?> settings, string workDirectory,
        int? azuritePid, CancellationToken cancellationToken)
    {
        var timeline = new Timeline();
        InProcessServer server = await InProcessServer.StartAsync(settings, services =>
        {
            services.AddSingleton<IBlobStore>(new TimingBlobStore(store, timeline));
            services.AddSingleton<IStartupFilter>(new BodyTimingFilter(timeline));
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            BenchUser user = await BenchUser.CreateAsync(server.BaseAddress, server.AdminToken, cancellationToken).ConfigureAwait(false);
            // As ConclaveApiClient.CreateHttpClient makes it (the CLI's transfers client), with the timing handler in front.
            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(10),
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            };
            var transfers = new HttpClient(new TimingHandler(handler, timeline), disposeHandler: true)
            {
                BaseAddress = server.BaseAddress,
                Timeout = Timeout.InfiniteTimeSpan,
            };
            var api = ConclaveApiClient.Create(server.BaseAddress, user.Token);
            var identity = DeviceIdentity.Generate();
            var files = new SecureFiles(api, transfers, user.Token, identity, user.UserId);
            await files.RegisterDeviceAsync(cancellationToken).ConfigureAwait(false);
            return new EndToEndSession(server, api, transfers, identity, files, timeline, workDirectory, azuritePid);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <paramref name="path"/>, receives it back, checks it, deletes it on the server.</summary>
    public async Task<EndToEndResult> RunAsync(StoreKind store, int run, string path, CancellationToken cancellationToken)
    {
        long size = new FileInfo(path).Length;
        _timeline.Clear();

        // Upload.
        var clock = new PhaseClock();
        double cpu0 = ProcFs.SelfCpuSeconds();
        double? azurite0 = AzuriteCpu();
        long start = Stopwatch.GetTimestamp();
        SentFile sent = await _files.SendAsync(path, [], _pending, clock, cancellationToken).ConfigureAwait(false);
        long end = Stopwatch.GetTimestamp();
        double cpu = ProcFs.SelfCpuSeconds() - cpu0;
        double? azurite = AzuriteCpu() - azurite0;
        long upFirst = clock.First(TransferPhase.Uploading), upLast = clock.Last(TransferPhase.Uploading);
        IReadOnlyList<Timeline.Interval> stages = _timeline.Get(Activity.Stage, upFirst, upLast);
        IReadOnlyList<Timeline.Interval> commits = _timeline.Get(Activity.Commit, upFirst, upLast);
        IReadOnlyList<Timeline.Interval> bodyReads = _timeline.Get(Activity.BodyRead, upFirst, upLast);
        (double storeOnly, double bodyOnly, double both, double neither) = Timeline.Split([.. stages, .. commits], bodyReads, upFirst, upLast);
        IReadOnlyList<Timeline.Interval> patches = _timeline.Get(Activity.TusPatch, start, end);
        var innerGaps = new List<double>();
        var boundaryGaps = new List<double>();
        for (int k = 0; k + 1 < stages.Count; k++)
        {
            long from = stages[k].End, to = stages[k + 1].Start;
            bool boundary = patches.Any(p => p.End >= from && p.End <= to);
            (boundary ? boundaryGaps : innerGaps).Add((to - from) * 1000.0 / Stopwatch.Frequency);
        }
        var upload = new UploadResult(
            Seconds(start, end), Seconds(start, upFirst), Seconds(upFirst, upLast),
            Seconds(upLast, end), storeOnly, bodyOnly, both, neither, stages.Count, Timeline.Sum(stages), Timeline.Sum(commits), innerGaps, boundaryGaps,
            Timeline.Sum(_timeline.Get(Activity.SourceRead)), Timeline.Sum(_timeline.Get(Activity.NetworkWrite)),
            patches.Count, _timeline.Get(Activity.TusHead, start, end).Count, cpu, azurite);
        if (sent.EncryptedLength != stages.Sum(s => s.Bytes))
            throw new BenchException($"the server staged {stages.Sum(s => s.Bytes)} bytes of a {sent.EncryptedLength}-byte upload within the upload window");

        // Download.
        _timeline.Clear();
        string output = Path.Combine(_workDirectory, $"received-{store}-{run}.bin");
        cpu0 = ProcFs.SelfCpuSeconds();
        azurite0 = AzuriteCpu();
        start = Stopwatch.GetTimestamp();
        (Conclave.E2ee.Files.FileManifest manifest, string written) = await _files.ReceiveAsync(sent.FileId, output, _workDirectory, null, cancellationToken).ConfigureAwait(false);
        end = Stopwatch.GetTimestamp();
        cpu = ProcFs.SelfCpuSeconds() - cpu0;
        azurite = AzuriteCpu() - azurite0;
        long receivedSize = new FileInfo(written).Length;
        File.Delete(written);
        if (manifest.Size != size || receivedSize != size) throw new BenchException($"received {receivedSize} bytes of {size}");
        Timeline.Interval get = _timeline.Get(Activity.ContentRequest).Single();
        IReadOnlyList<Timeline.Interval> responseReads = _timeline.Get(Activity.ResponseRead);
        long lastRead = responseReads.Max(r => r.End);
        var download = new DownloadResult(Seconds(start, end), Seconds(start, get.Start), get.Seconds, Timeline.Sum(_timeline.Get(Activity.BlobOpen)),
            Seconds(get.End, lastRead), Seconds(lastRead, end), Timeline.Sum(_timeline.Get(Activity.BlobRead)),
            Timeline.Sum(_timeline.Get(Activity.BlobStream)), Timeline.Sum(responseReads), cpu, azurite);

        await _api.DeleteFileAsync(sent.FileId, cancellationToken).ConfigureAwait(false);
        return new EndToEndResult(store, run, size, sent.EncryptedLength, upload, download);
    }

    private double? AzuriteCpu() => _azuritePid is { } pid ? ProcFs.CpuSeconds(pid) : null;

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        _transfers.Dispose();
        _identity.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
