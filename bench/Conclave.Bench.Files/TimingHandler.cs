using System.Buffers;
using System.Diagnostics;
using System.Net;

namespace Conclave.Bench.Files;

/// <summary>
/// The client's HTTP handler, timed (for SecureFiles' transfers client): every tus request (HEAD, PATCH) from send to
/// response headers; a PATCH body is sent by a content of its own that copies the original body's stream (the
/// FileEncryptionStream behind TusUploader's StreamContent) through the same 1 MiB buffer StreamContent uses, timing
/// each source read (encryption and the file read) apart from each network write; a download's response body is
/// handed over behind a stream that times each read (the client waiting for the network).
/// </summary>
internal sealed class TimingHandler(HttpMessageHandler inner, Timeline timeline) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        bool tus = request.RequestUri?.AbsolutePath.Contains("/api/uploads/", StringComparison.Ordinal) == true;
        if (request.Method == HttpMethod.Patch && request.Content is { } body) request.Content = new TimedContent(body, timeline);
        long start = Stopwatch.GetTimestamp();
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (tus) timeline.Add(request.Method == HttpMethod.Patch ? Activity.TusPatch : Activity.TusHead, start, Stopwatch.GetTimestamp());
        if (request.Method == HttpMethod.Get && response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent
            && request.RequestUri!.AbsolutePath.EndsWith("/content", StringComparison.Ordinal))
        {
            timeline.Add(Activity.ContentRequest, start, Stopwatch.GetTimestamp());
            HttpContent original = response.Content;
            Stream stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var timed = new StreamContent(new TimedReadStream(stream, timeline, Activity.ResponseRead, onDispose: original.Dispose));
            foreach (KeyValuePair<string, IEnumerable<string>> header in original.Headers) timed.Headers.TryAddWithoutValidation(header.Key, header.Value);
            response.Content = timed;
        }
        return response;
    }

    /// <summary>A request body copied from another content's stream, each read and each write timed.</summary>
    private sealed class TimedContent : HttpContent
    {
        private const int BufferSize = 1024 * 1024;                 // TusUploader's StreamContent buffer
        private readonly HttpContent _inner;
        private readonly Timeline _timeline;

        public TimedContent(HttpContent inner, Timeline timeline)
        {
            _inner = inner;
            _timeline = timeline;
            foreach (KeyValuePair<string, IEnumerable<string>> header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            Stream source = await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                while (true)
                {
                    long start = Stopwatch.GetTimestamp();
                    int read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                    long readEnd = Stopwatch.GetTimestamp();
                    _timeline.Add(Activity.SourceRead, start, readEnd, read);
                    if (read == 0) break;
                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    _timeline.Add(Activity.NetworkWrite, readEnd, Stopwatch.GetTimestamp(), read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
