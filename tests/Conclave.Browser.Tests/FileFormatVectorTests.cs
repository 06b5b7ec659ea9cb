using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conclave.Browser.Tests;

/// <summary>
/// The web client's encrypted file format (Clients/web/files/file-format.js, served at <c>/files/file-format.js</c>;
/// docs/file-format.md, version 1) and its incremental SHA-256 (<c>/files/sha256.js</c>) in a real Chromium, against
/// tests/vectors/file-format.json (scripts/file-vectors.py, Python's <c>cryptography</c>; the C# implementation is held
/// to the same file): every valid vector encrypts to exactly its ciphertext and decrypts back with its manifest, every
/// tamper case fails with its error and record. Then SHA-256 against FIPS 180-2 Appendix B and WebCrypto, streaming
/// of multi-MiB ciphertexts fed in odd-sized pieces, round trips and hostile input, and a 64 MiB measurement. Each
/// test runs its checks in the page and gets back every failed check by name (<see cref="PageChecks"/>).
/// </summary>
public sealed class FileFormatVectorTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>Seed of the page's xorshift32 for piece sizes and small inputs: fixed, so a failure reproduces.</summary>
    private const int Seed = 0x434E_4346;

    [Fact]
    public Task Every_valid_vector_encrypts_to_its_ciphertext_and_decrypts_to_its_plaintext_and_manifest() =>
        RunAsync(ValidChecks, minimumChecks: 14 * 14);

    [Fact]
    public Task Every_tamper_vector_fails_with_its_error_and_record() => RunAsync(TamperChecks, minimumChecks: 87 * 2 * 2 + 2);

    [Fact]
    public Task Sha256_matches_FIPS_180_2_and_WebCrypto_for_any_split() => RunAsync(Sha256Checks, minimumChecks: 6 + 301 + 12 + 4);

    /// <summary>
    /// Runs <see cref="StreamingChecks"/> in a page where <c>fetch('/test-echo', { method: 'POST', body })</c> answers
    /// with the body it was sent (a Playwright route: nothing reaches the server), so the decryptor reads a real fetch()
    /// body without the page's CSP being loosened for blob: URLs.
    /// </summary>
    [Fact]
    public async Task A_multi_MiB_ciphertext_in_odd_sized_pieces_decrypts_chunk_by_chunk()
    {
        await using Person tester = await fixture.NewPersonAsync("file format streaming");
        await tester.Page.RouteAsync("**/test-echo", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/octet-stream", BodyBytes = route.Request.PostDataBuffer ?? [],
        }));
        await tester.OpenAsync(fixture.Server.BaseAddress.ToString());
        JsonElement result = await tester.Page.EvaluateAsync<JsonElement>(Prelude.Replace("/*BODY*/", StreamingChecks, StringComparison.Ordinal),
            $$"""{"vectors":{},"seed":{{Seed}}}""");

        int checks = result.GetProperty("checked").GetInt32();
        List<string> failures = [.. result.GetProperty("failures").EnumerateArray().Select(f => f.GetString() ?? "")];
        output.WriteLine($"{checks} checks, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checks} checks failed:\n{string.Join('\n', failures.Take(60))}\nconsole: {string.Join(" | ", tester.Console)}");
        Assert.True(checks >= 2 + 2 * (1 + 6 * 4 + 1), $"only {checks} checks ran");
        Assert.Empty(tester.PageErrors);
    }

    [Fact]
    public Task Round_trips_cuts_flips_and_hostile_arguments() => RunAsync(RoundTripChecks, minimumChecks: 3 * 15 * 3 + 2 * 400 + 40);

    /// <summary>
    /// Encrypts and decrypts a 64 MiB buffer in 4 MiB chunks, checks the result, and prints the throughput of each
    /// (and of the SHA-256 and AES-GCM under them). Only correctness is asserted: the numbers depend on the machine.
    /// </summary>
    [Fact]
    public async Task A_64_MiB_file_round_trips_and_its_throughput_is_reported()
    {
        await using Person page = await fixture.NewPersonAsync("file format throughput");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        JsonElement result = await page.Page.EvaluateAsync<JsonElement>(ThroughputScript);
        output.WriteLine(result.GetProperty("userAgent").GetString() ?? "");
        foreach (JsonProperty p in result.GetProperty("rates").EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            double[] runs = [.. p.Value.EnumerateArray().Select(x => x.GetDouble()).Order()];
            string all = string.Join(", ", runs.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Name,-30} median {runs[runs.Length / 2],6:F1} MiB/s  ({all})"));
        }

        Assert.True(result.GetProperty("ok").GetBoolean(), result.GetProperty("problem").GetString());
        string origin = fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.All(page.Requests, url => Assert.StartsWith(origin, url, StringComparison.Ordinal));
        Assert.Empty(page.PageErrors);
    }

    private Task RunAsync(string body, int minimumChecks) => PageChecks.RunAsync(fixture, output, "file format vectors",
        Prelude.Replace("/*BODY*/", body, StringComparison.Ordinal), $$"""{"vectors":{{Vectors.Value}},"seed":{{Seed}}}""", minimumChecks);

    /// <summary>tests/vectors/file-format.json (copied to Vectors/ at build), after a look at its shape.</summary>
    private static readonly Lazy<string> Vectors = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Vectors", "file-format.json");
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        string spec = root["_meta"]!["spec"]!.GetValue<string>();
        if (!spec.Contains("version 1", StringComparison.Ordinal)) throw new InvalidOperationException($"{path} is not for format version 1: {spec}");
        if (root["valid"]!.AsArray().Count == 0 || root["tamper"]!.AsArray().Count == 0) throw new InvalidOperationException($"{path} holds no vectors");
        root.Remove("_meta");
        return root.ToJsonString();
    });

    /// <summary>Shared by every test: F (file-format.js), Sha (sha256.js), V (the vectors), check(), byte helpers, sources.</summary>
    private const string Prelude = """
        async input => {
          const { vectors: V, seed } = JSON.parse(input);
          const failures = [];
          let checked = 0;
          const check = (ok, what) => { checked++; if (!ok) failures.push(what); };
          const hex = b => b == null ? String(b) : Array.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b, x => x.toString(16).padStart(2, '0')).join('');
          const unhex = h => new Uint8Array((h.match(/../g) ?? []).map(x => parseInt(x, 16)));
          const utf8 = s => new TextEncoder().encode(s);
          let state = seed >>> 0 || 1;
          const random = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
          const randomBytes = n => Uint8Array.from({ length: n }, () => random() & 0xFF);
          const freshBytes = n => { const b = new Uint8Array(n); for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536)); return b; };
          const sha = async b => hex(await crypto.subtle.digest('SHA-256', b));
          const concat = parts => {
            const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
            let at = 0;
            for (const p of parts) { out.set(p, at); at += p.length; }
            return out;
          };
          const collect = async iterable => { const parts = []; for await (const p of iterable) parts.push(p); return concat(parts); };
          const readAll = async stream => {
            const reader = stream.getReader(), parts = [];
            for (;;) { const { done, value } = await reader.read(); if (done) return concat(parts); parts.push(value); }
          };
          /** A ReadableStream of copies of `bytes` in pieces of nextSize() bytes. */
          const streamOf = (bytes, nextSize, hooks = {}) => {
            let at = 0;
            return new ReadableStream({
              pull(c) {
                if (at >= bytes.length) { c.close(); return; }
                const n = Math.min(bytes.length - at, nextSize());
                c.enqueue(bytes.slice(at, at + n));
                at += n;
                hooks.pulled?.(at);
              },
              cancel(reason) { hooks.cancelled?.(reason); },
            }, { highWaterMark: 0 });
          };
          /** Decrypts all: { header, manifest, head, plaintext, sizes } or throws. */
          const decryptAll = async (source, key, id) => {
            const r = await F.decryptFile(source, key, id);
            const parts = [];
            for await (const c of r.chunks) parts.push(c);
            return { ...r, plaintext: concat(parts), sizes: parts.map(p => p.length) };
          };
          const failure = async f => { try { await f(); return null; } catch (e) { return e ?? new Error('threw ' + e); } };
          const describe = e => e === null ? 'no error' : `${e.name} ${e.code ?? ''} at ${e.record}: ${e.message}`;
          let F, Sha;
          try {
            for (const file of ['files/file-format.js', 'files/sha256.js']) {
              const response = await fetch('/' + file);
              check(response.ok && /javascript/.test(response.headers.get('content-type') ?? ''),
                `/${file} served as ${response.status} ${response.headers.get('content-type')}`);
            }
            F = await import('/files/file-format.js');
            Sha = await import('/files/sha256.js');
            /*BODY*/
          } catch (e) {
            failures.push('threw: ' + (e?.stack ?? e));
          }
          return { checked, failures };
        }
        """;

    /// <summary>
    /// "valid": encryptFile of the bytes, of a File and as a stream gives exactly the ciphertext (head, then one piece per
    /// chunk record), at the length the formula says, and head last gives it rotated (docs/files.md, "Head last"); encodeManifest and decodeHeader agree; decryptFile of the whole
    /// and of 1- to 7-byte pieces gives the plaintext, the manifest and the head.
    /// </summary>
    private const string ValidChecks = """
        check(V.valid.length >= 14, `${V.valid.length} valid vectors`);
        for (const v of V.valid) {
          const name = `valid "${v.name}"`;
          const key = unhex(v.fileKey), pt = unhex(v.plaintext), ct = unhex(v.ciphertext);
          const options = { name: v.fileName, type: v.mediaType, chunkSize: v.chunkSize, noncePrefix: unhex(v.noncePrefix) };
          const n = Math.max(1, Math.ceil(pt.length / v.chunkSize));
          const manifestRecordLength = v.manifest.length / 2 + 16;

          const pieces = [];
          for await (const p of F.encryptFile(pt, key, v.fileId, options)) pieces.push(p);
          check(hex(concat(pieces)) === v.ciphertext, `${name}: encryptFile of bytes gave ${hex(concat(pieces)).slice(0, 120)}…`);
          check(pieces.length === 1 + n && pieces[0].length === 32 + manifestRecordLength && hex(pieces[0].subarray(0, 32)) === v.header
            && pieces.slice(1).every((p, i) => p.length === (i < n - 1 ? v.chunkSize : pt.length - (n - 1) * v.chunkSize) + 16),
            `${name}: pieces of ${pieces.map(p => p.length)}`);
          const file = new File([pt], v.fileName, { type: 'application/x-ignored' });
          const fromFile = await collect(F.encryptFile(file, key, v.fileId, { ...options, name: undefined }));
          check(hex(fromFile) === v.ciphertext, `${name}: encryptFile of a File (its own name) differs`);
          const fromStream = await readAll(F.encryptFileStream(new Blob([pt]), key, v.fileId, options));
          check(hex(fromStream) === v.ciphertext, `${name}: encryptFileStream of a Blob differs`);
          const headLength = F.headLengthOf(pt, options);
          const headLast = await collect(F.encryptFile(new Blob([pt]), key, v.fileId, { ...options, headLast: true }));
          check(headLength === pieces[0].length && hex(headLast) === hex(concat([ct.subarray(headLength), ct.subarray(0, headLength)])),
            `${name}: head last, ${headLength} bytes of head, is not the ciphertext rotated`);
          const length = F.encryptedLength(pt.length, F.manifestLength(v.fileName, v.mediaType), v.chunkSize);
          check(length === ct.length && F.manifestLength(v.fileName, v.mediaType) === v.manifest.length / 2, `${name}: encryptedLength ${length}, want ${ct.length}`);
          check(F.encryptedLengthOf(pt, options) === ct.length && F.encryptedLengthOf(file, { ...options, name: undefined }) === ct.length, `${name}: encryptedLengthOf`);
          check(hex(F.encodeManifest({ name: v.fileName, type: v.mediaType, size: pt.length, sha256: unhex(v.sha256) })) === v.manifest, `${name}: encodeManifest`);
          check(await sha(pt) === v.sha256 && hex(Sha.sha256(pt)) === v.sha256, `${name}: SHA-256 of the plaintext`);
          const h = F.decodeHeader(unhex(v.header));
          check(h.chunkSize === v.chunkSize && h.size === pt.length && h.manifestLength === v.manifest.length / 2 && hex(h.noncePrefix) === v.noncePrefix
            && h.chunkCount === n && hex(h.bytes) === v.header, `${name}: decodeHeader gave ${JSON.stringify({ ...h, noncePrefix: hex(h.noncePrefix), bytes: undefined })}`);
          check(hex(F.encodeHeader(h)) === v.header, `${name}: encodeHeader`);

          for (const [how, source] of [['bytes', ct], ['a stream of 1 to 7 bytes', streamOf(ct, () => 1 + random() % 7)], ['a Blob', new Blob([ct])]]) {
            const r = await decryptAll(source, key, v.fileId);
            check(hex(r.plaintext) === v.plaintext && r.sizes.length === n, `${name}, ${how}: decrypted ${r.plaintext.length} bytes in ${r.sizes.length} chunks`);
            check(r.manifest.name === v.fileName && r.manifest.type === v.mediaType && r.manifest.size === pt.length && hex(r.manifest.sha256) === v.sha256,
              `${name}, ${how}: manifest ${JSON.stringify({ ...r.manifest, sha256: hex(r.manifest.sha256) })}`);
            check(hex(r.head) === hex(pieces[0]) && hex(r.header.bytes) === v.header, `${name}, ${how}: head or header`);
          }
        }
        """;

    /// <summary>
    /// "tamper": each case fails with its error (the spec's name) and record, whole or in odd pieces, as a
    /// FileFormatError, having handed out exactly the chunks before that record (so never the last one).
    /// </summary>
    private const string TamperChecks = """
        check(V.tamper.length >= 87, `${V.tamper.length} tamper cases`);
        const names = ['BadHeader', 'ManifestAuthenticationFailed', 'BadManifest', 'ChunkAuthenticationFailed', 'Truncated', 'TrailingData', 'HashMismatch'];
        check(Object.keys(F.FileFormatErrorCode).length === 7 && names.every(c => F.FileFormatErrorCode[c] === c), 'FileFormatErrorCode');
        const seen = new Set();
        for (const t of V.tamper) {
          const name = `tamper "${t.name}"`;
          const ct = unhex(t.ciphertext), key = unhex(t.fileKey);
          seen.add(t.error);
          for (const [how, source] of [['whole', ct], ['in pieces of 1 to 97 bytes', streamOf(ct, () => 1 + random() % 97)]]) {
            let yielded = 0;
            const e = await failure(async () => {
              const r = await F.decryptFile(source, key, t.fileId);
              for await (const c of r.chunks) yielded += c.length;
            });
            check(e instanceof F.FileFormatError && e.name === 'FileFormatError' && e.code === t.error && e.record === t.record,
              `${name}, ${how}: ${describe(e)}; want ${t.error} at ${t.record}`);
            // Exactly the chunks before the failing record, and never the last one (so not after TrailingData or HashMismatch).
            const h = t.record > 0 ? F.decodeHeader(ct.subarray(0, 32)) : null;
            const want = h === null ? 0 : (Math.min(t.record, h.chunkCount) - 1) * h.chunkSize;
            check(yielded === want, `${name}, ${how}: ${yielded} plaintext bytes handed out before ${t.error}, want ${want}`);
          }
        }
        check(names.every(c => seen.has(c)), `the vectors cover ${[...seen]}`);
        """;

    /// <summary>
    /// FIPS 180-2 Appendix B (B.1 "abc", B.2 the 448-bit message, B.3 a million 'a', fed whole and in pieces), the empty
    /// message, every length 0 to 300 and larger random inputs split at random against crypto.subtle.digest, misuse.
    /// </summary>
    private const string Sha256Checks = """
        const { Sha256, sha256 } = Sha;
        const digestOf = (...parts) => { const h = new Sha256(); for (const p of parts) h.update(p); return hex(h.digest()); };
        const split = (b, max) => {   // pieces of 0 to max bytes
          const parts = [];
          for (let at = 0; at < b.length;) { const n = Math.min(b.length - at, random() % (max + 1)); parts.push(b.subarray(at, at + n)); at += n; }
          return parts;
        };
        check(Sha.DIGEST_LENGTH === 32 && Sha.BLOCK_LENGTH === 64, 'sizes');
        check(digestOf(utf8('abc')) === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'FIPS 180-2 B.1 "abc"');
        check(digestOf(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')) === '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1', 'FIPS 180-2 B.2');
        const million = new Uint8Array(1_000_000).fill(0x61);
        const millionDigest = 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0';
        check(hex(sha256(million)) === millionDigest, 'FIPS 180-2 B.3, one update');
        check(digestOf(...Array.from({ length: 1000 }, (_, i) => million.subarray(1000 * i, 1000 * i + 1000))) === millionDigest, 'FIPS 180-2 B.3, 1000 updates of 1000');
        check(digestOf(...split(million, 200)) === millionDigest, 'FIPS 180-2 B.3, pieces of 0 to 200 bytes');
        check(digestOf() === 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' && digestOf(new Uint8Array(0)) === digestOf(), 'the empty message');
        for (let n = 0; n <= 300; n++) {
          const b = randomBytes(n);
          check(digestOf(...split(b, 70)) === await sha(b), `${n} bytes in pieces`);
        }
        for (const n of [4095, 4096, 65535, 65536, 65537, 1 << 20, (1 << 20) + 55, (1 << 20) + 56, 3 * (1 << 20) + 63, 3 * (1 << 20) + 64, 5_000_000, 9_999_999]) {
          const b = freshBytes(n);
          check(digestOf(...split(b, 1 + random() % 300_000)) === await sha(b), `${n} random bytes in pieces`);
        }
        const used = new Sha256(); used.update(utf8('x')); used.digest();
        check(await failure(() => used.digest()) instanceof TypeError, 'digest twice');
        check(await failure(() => used.update(utf8('y'))) instanceof TypeError, 'update after digest');
        check(await failure(() => new Sha256().update([1, 2, 3])) instanceof TypeError, 'update with an array');
        check(await failure(() => new Sha256().update(new ArrayBuffer(3))) instanceof TypeError, 'update with an ArrayBuffer');
        """;

    /// <summary>
    /// A 6 MiB file in chunks of 1,000,003 bytes, and a 9 MiB one in the default 4 MiB chunks, decrypted from sources
    /// that give pieces of any sizes (an async generator of 1 byte to 64 KiB, a ReadableStream of up to 300 kB, a
    /// fetch() body, a Response body, a Blob, one array): the same bytes in the same chunks, and each chunk handed out
    /// having read at most one record past it (plus the piece under way), so memory stays constant whatever the size.
    /// </summary>
    private const string StreamingChecks = """
        for (const [size, chunkSize] of [[6 * 1024 * 1024 + 4321, 1_000_003], [9 * 1024 * 1024 + 17, F.DEFAULT_CHUNK_SIZE]]) {
          const pt = freshBytes(size), key = F.newFileKey(), id = F.newFileId();
          const name = `${size} bytes in chunks of ${chunkSize}`;
          const ct = await readAll(F.encryptFileStream(new Blob([pt]), key, id, { name: 'stream.bin', chunkSize }));
          const n = Math.ceil(size / chunkSize), manifestLength = F.manifestLength('stream.bin');
          check(ct.length === F.encryptedLength(size, manifestLength, chunkSize), `${name}: ${ct.length} ciphertext bytes`);
          const want = await sha(pt);
          const recordEnd = i => 32 + manifestLength + 16 + Math.min(size, (i + 1) * chunkSize) + 16 * (i + 1);   // end of chunk i's record
          let pulled = 0, largest = 0;
          async function* odd() {
            for (let at = 0; at < ct.length;) {
              const r = random() % 10;
              const m = Math.min(ct.length - at, r < 3 ? 1 + r : 1 + random() % 65536);
              pulled = at + m; largest = Math.max(largest, m);
              yield ct.slice(at, at + m);
              at += m;
            }
          }
          const sources = [
            ['an async generator of 1 byte to 64 KiB', () => odd()],
            ['a ReadableStream of 1 to 300,000 bytes', () => streamOf(ct, () => 1 + random() % 300_000, { pulled: at => { pulled = at; } })],
            ['a fetch() body', async () => { const r = await fetch('/test-echo', { method: 'POST', body: ct }); check(r.ok, `${name}: echo ${r.status}`); return r.body; }],
            ['a Response body', () => new Response(new Blob([ct])).body],
            ['a Blob', () => new Blob([ct])],
            ['one Uint8Array', () => ct],
          ];
          for (const [how, make] of sources) {
            pulled = 0; largest = 0;
            const { manifest, chunks } = await F.decryptFile(await make(), key, id);
            const sizes = [], parts = [];
            let ahead = true;
            for await (const c of chunks) {
              const i = sizes.length;
              sizes.push(c.length); parts.push(c);
              if (how.startsWith('an async') && pulled > recordEnd(Math.min(i + 1, n - 1)) + largest) ahead = false;
            }
            check(manifest.size === size && manifest.name === 'stream.bin' && hex(manifest.sha256) === want, `${name}, ${how}: manifest`);
            check(sizes.length === n && sizes.every((s, i) => s === (i < n - 1 ? chunkSize : size - (n - 1) * chunkSize)), `${name}, ${how}: chunks of ${sizes}`);
            check(await sha(concat(parts)) === want, `${name}, ${how}: the plaintext differs`);
            check(ahead, `${name}, ${how}: read more than one record ahead`);
          }
        }
        """;

    /// <summary>
    /// Fresh keys and random prefixes at every chunk boundary; keys as CryptoKeys and as a function of the head; a cut at
    /// every length and a flipped bit in every record byte of a small file, each with its error and record; leaving
    /// early cancels the source; a failing source's own error comes through; arguments the format refuses throw.
    /// </summary>
    private const string RoundTripChecks = """
        const key = F.newFileKey(), other = F.newFileKey(), id = F.newFileId();
        check(key.length === 32 && /^[A-Za-z0-9_-]{22}$/.test(id), `newFileKey, newFileId ${id}`);
        for (const chunkSize of [64, 100, 1000]) {
          for (const size of [0, 1, 63, 64, 65, 99, 100, 101, 999, 1000, 1001, 2 * chunkSize - 1, 2 * chunkSize, 2 * chunkSize + 1, 5 * chunkSize + 7]) {
            const name = `${size} bytes in chunks of ${chunkSize}`;
            const pt = randomBytes(size);
            const ct = await collect(F.encryptFile(pt, key, id, { name: `f${size}.bin`, chunkSize }));
            check(ct.length === F.encryptedLength(size, F.manifestLength(`f${size}.bin`), chunkSize), `${name}: length ${ct.length}`);
            const r = await decryptAll(ct, key, id);
            check(hex(r.plaintext) === hex(pt) && r.sizes.length === Math.max(1, Math.ceil(size / chunkSize)), `${name}: round trip`);
            check(r.manifest.type === F.DEFAULT_MEDIA_TYPE && r.manifest.name === `f${size}.bin`, `${name}: manifest`);
          }
        }
        // A File's own name and type; an empty type (unknown) becomes application/octet-stream, in the length too.
        for (const [type, want] of [['', F.DEFAULT_MEDIA_TYPE], ['image/png', 'image/png']]) {
          const file = new File([randomBytes(300)], 'photo €.png', { type });
          const ct = await collect(F.encryptFile(file, key, id, { chunkSize: 128 }));
          const { manifest } = await decryptAll(ct, key, id);
          check(ct.length === F.encryptedLengthOf(file, { chunkSize: 128 }) && manifest.type === want && manifest.name === 'photo €.png',
            `a File of type "${type}": ${ct.length} bytes, length ${F.encryptedLengthOf(file, { chunkSize: 128 })}, ${manifest.name} ${manifest.type}`);
        }
        const pt = randomBytes(4 * 64 + 17);
        const a = await collect(F.encryptFile(pt, key, id, { name: 'a.bin', chunkSize: 64 }));
        const b = await collect(F.encryptFile(pt, key, id, { name: 'a.bin', chunkSize: 64 }));
        check(hex(a.subarray(12, 20)) !== hex(b.subarray(12, 20)) && hex(a.subarray(0, 12)) === hex(b.subarray(0, 12)) && hex(a.subarray(20, 32)) === hex(b.subarray(20, 32)),
          'two encryptions share a nonce prefix');

        // Keys: CryptoKeys, a function of the head, the wrong key.
        const sealKey = await F.importFileKey(key, 'encrypt'), openKey = await F.importFileKey(key, 'decrypt');
        check(hex((await decryptAll(await collect(F.encryptFile(pt, sealKey, id, { name: 'a.bin', chunkSize: 64 })), openKey, id)).plaintext) === hex(pt), 'CryptoKeys');
        check(await failure(() => collect(F.encryptFile(pt, openKey, id, { name: 'a.bin' }))) instanceof TypeError, 'a decrypt-only CryptoKey to encrypt');
        check(await failure(() => F.decryptFile(a, sealKey, id)) instanceof TypeError, 'an encrypt-only CryptoKey to decrypt');
        let given = null;
        const viaFunction = await decryptAll(a, async (head, header) => { given = { head, header }; return key; }, id);
        const headLength = 32 + F.manifestLength('a.bin') + 16;
        check(hex(viaFunction.plaintext) === hex(pt) && hex(given?.head) === hex(a.subarray(0, headLength)) && given?.header.size === pt.length, 'a key function gets the head');
        const refused = new Error('the wrap signature does not verify');
        check(await failure(() => F.decryptFile(a, async () => { throw refused; }, id)) === refused, 'a key function that throws');
        const wrong = await failure(() => F.decryptFile(a, other, id));
        check(wrong?.code === 'ManifestAuthenticationFailed' && wrong.record === 0, `the wrong key: ${describe(wrong)}`);

        // A cut at every length, a bit flipped in every byte of every record.
        const n = 5;   // chunks of 64 + 16 bytes after the head, the last 17 + 16
        for (let cut = 0; cut <= a.length + 1; cut++) {
          const data = cut <= a.length ? a.subarray(0, cut) : concat([a, new Uint8Array(1)]);
          const want = cut < 32 ? ['Truncated', -1] : cut < headLength ? ['Truncated', 0] : cut === a.length ? null
            : cut > a.length ? ['TrailingData', n + 1] : ['Truncated', 1 + Math.min(n - 1, Math.floor((cut - headLength) / 80))];
          const e = await failure(() => decryptAll(data, key, id));
          check(want === null ? e === null : e?.code === want[0] && e.record === want[1], `cut at ${cut}: ${describe(e)}, want ${want}`);
        }
        for (let at = 32; at < a.length; at++) {
          const data = a.slice(); data[at] ^= 1 << (at % 8);
          const want = at < headLength ? ['ManifestAuthenticationFailed', 0] : ['ChunkAuthenticationFailed', 1 + Math.floor((at - headLength) / 80)];
          const e = await failure(() => decryptAll(data, key, id));
          check(e?.code === want[0] && e.record === want[1], `bit flipped in byte ${at}: ${describe(e)}, want ${want}`);
        }

        // Leaving early, cancelling, a failing source.
        let cancelled = 0;
        const opened = await F.decryptFile(streamOf(a, () => 7, { cancelled: () => cancelled++ }), key, id);
        for await (const c of opened.chunks) { check(c.length === 64, 'the first chunk'); break; }
        check(cancelled === 1, `break cancelled the source ${cancelled} times`);
        cancelled = 0;
        const unread = await F.decryptFile(streamOf(a, () => 1000, { cancelled: () => cancelled++ }), key, id);
        await unread.cancel();
        check(cancelled === 1 && (await unread.chunks.next()).done === true, 'cancel() before the chunks');
        cancelled = 0;
        const returned = await F.decryptFile(streamOf(a, () => 1000, { cancelled: () => cancelled++ }), key, id);
        await returned.chunks.return();
        check(cancelled === 1, 'chunks.return() before the first chunk');
        const broken = new Error('network gone');
        let sent = 0;
        const failing = new ReadableStream({ pull(c) { if (sent >= 150) { c.error(broken); return; } c.enqueue(a.slice(sent, sent + 50)); sent += 50; } });
        check(await failure(() => decryptAll(failing, key, id)) === broken, 'a source error comes through as itself');
        async function* notBytes() { yield a.subarray(0, 10); yield 42; }
        check(await failure(() => decryptAll(notBytes(), key, id)) instanceof TypeError, 'a piece that is not bytes');
        async function* withEmpties() { for (let at = 0; at < a.length; at += 9) { yield new Uint8Array(0); yield a.slice(at, at + 9).buffer; } yield new Uint8Array(0); }
        check(hex((await decryptAll(withEmpties(), key, id)).plaintext) === hex(pt), 'empty pieces and ArrayBuffers');
        check(hex((await decryptAll([a.subarray(0, 100), a.subarray(100)], key, id)).plaintext) === hex(pt), 'an array of pieces');
        const endless = F.encryptFileStream(new Blob([freshBytes(1 << 20)]), key, id, { name: 'big', chunkSize: 64 });
        const reader = endless.getReader();
        await reader.read(); await reader.read();
        check(await failure(() => reader.cancel()) === null, 'cancelling encryptFileStream');

        // Arguments the format refuses: thrown by encryptFile itself, before any read.
        const refusals = [
          ['no name for bytes', () => F.encryptFile(pt, key, id)],
          ['empty name', () => F.encryptFile(pt, key, id, { name: '' })],
          ['name .', () => F.encryptFile(pt, key, id, { name: '.' })],
          ['name ..', () => F.encryptFile(pt, key, id, { name: '..' })],
          ['name a/b', () => F.encryptFile(pt, key, id, { name: 'a/b' })],
          ['name a\\b', () => F.encryptFile(pt, key, id, { name: 'a\\b' })],
          ['name with NUL', () => F.encryptFile(pt, key, id, { name: 'a\u0000b' })],
          ['name with U+0085', () => F.encryptFile(pt, key, id, { name: 'a\u0085b' })],
          ['name with a lone surrogate', () => F.encryptFile(pt, key, id, { name: 'a\ud800b' })],
          ['name of 1025 bytes', () => F.encryptFile(pt, key, id, { name: 'é'.repeat(512) + 'x' })],
          ['media type not ASCII', () => F.encryptFile(pt, key, id, { name: 'a', type: 'text/é' })],
          ['media type with a tab', () => F.encryptFile(pt, key, id, { name: 'a', type: 'text/\tplain' })],
          ['media type of 256 bytes', () => F.encryptFile(pt, key, id, { name: 'a', type: 't'.repeat(256) })],
          ['chunk size 63', () => F.encryptFile(pt, key, id, { name: 'a', chunkSize: 63 })],
          ['chunk size 64 MiB + 1', () => F.encryptFile(pt, key, id, { name: 'a', chunkSize: 64 * 1024 * 1024 + 1 })],
          ['chunk size 100.5', () => F.encryptFile(pt, key, id, { name: 'a', chunkSize: 100.5 })],
          ['empty file id', () => F.encryptFile(pt, key, '', { name: 'a' })],
          ['file id of 65', () => F.encryptFile(pt, key, 'a'.repeat(65), { name: 'a' })],
          ['file id with +', () => F.encryptFile(pt, key, 'a+b', { name: 'a' })],
          ['file id a number', () => F.encryptFile(pt, key, 7, { name: 'a' })],
          ['key of 31 bytes', () => F.encryptFile(pt, key.subarray(1), id, { name: 'a' })],
          ['nonce prefix of 7 bytes', () => F.encryptFile(pt, key, id, { name: 'a', noncePrefix: new Uint8Array(7) })],
          ['a string as the file', () => F.encryptFile('text', key, id, { name: 'a' })],
          ['encryptedLength of 2^53', () => F.encryptedLength(2 ** 53, 46, 64)],
          ['encryptedLength of manifest 45', () => F.encryptedLength(0, 45, 64)],
        ];
        for (const [what, f] of refusals) {
          let e = null;
          try { f(); } catch (x) { e = x; }
          check(e instanceof TypeError || e instanceof RangeError, `${what}: ${e === null ? 'accepted' : describe(e)}`);
        }
        check(F.manifestLength('n'.repeat(1024), 't'.repeat(255)) === F.MAX_MANIFEST_LENGTH && F.manifestLength('a', '') === F.MIN_MANIFEST_LENGTH, 'manifest length bounds');
        for (const [what, f] of [['file id', () => F.decryptFile(a, key, 'a b')], ['key of 16 bytes', () => F.decryptFile(a, key.subarray(16), id)],
            ['a string', () => F.decryptFile('CNCF', key, id)], ['a number', () => F.decryptFile(7, key, id)]]) {
          check(await failure(f) instanceof TypeError, `decryptFile with ${what}`);
        }
        """;

    /// <summary>64 MiB in 4 MiB chunks: encrypt (from bytes and from a Blob) and decrypt, three times each; SHA-256 and one-shot AES-GCM alone for reference.</summary>
    private const string ThroughputScript = """
        async () => {
          const F = await import('/files/file-format.js');
          const { sha256 } = await import('/files/sha256.js');
          const MiB = 1024 * 1024, size = 64 * MiB, chunkSize = 4 * MiB;
          const pt = new Uint8Array(size);
          for (let i = 0; i < size; i += 65536) crypto.getRandomValues(pt.subarray(i, i + 65536));
          const blob = new Blob([pt]);
          const key = F.newFileKey(), id = F.newFileId();
          const hex = b => Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, '0')).join('');
          const want = hex(await crypto.subtle.digest('SHA-256', pt));
          const rates = {
            'encrypt (Uint8Array)': [], 'encrypt (Blob)': [], 'decrypt (records)': [], 'decrypt (Blob stream)': [],
            'SHA-256 alone (JS)': [], 'AES-256-GCM alone (WebCrypto)': [],
          };
          const rate = ms => size / MiB / (ms / 1000);
          let ok = true, problem = '';
          const fail = why => { ok = false; problem ||= why; };
          const aes = await F.importFileKey(key, 'encrypt');
          // Warm-up, not measured.
          for await (const _ of (await F.decryptFile(F.encryptFileStream(pt.subarray(0, 8 * MiB), key, id, { name: 'w', chunkSize }), key, id)).chunks) { }
          for (let run = 0; run < 3; run++) {
            let t = performance.now();
            const records = [];
            for await (const r of F.encryptFile(pt, key, id, { name: 'big.bin', chunkSize })) records.push(r);
            rates['encrypt (Uint8Array)'].push(rate(performance.now() - t));
            t = performance.now();
            let blobLength = 0;
            for await (const r of F.encryptFile(blob, key, id, { name: 'big.bin', chunkSize })) blobLength += r.length;
            rates['encrypt (Blob)'].push(rate(performance.now() - t));
            if (blobLength !== F.encryptedLength(size, F.manifestLength('big.bin'), chunkSize)) fail(`encrypted ${blobLength} bytes`);
            t = performance.now();
            const out = new Uint8Array(size);
            let at = 0;
            for await (const c of (await F.decryptFile(records, key, id)).chunks) { out.set(c, at); at += c.length; }
            rates['decrypt (records)'].push(rate(performance.now() - t));
            if (at !== size || hex(await crypto.subtle.digest('SHA-256', out)) !== want) fail('the decrypted plaintext differs');
            const stored = new Blob(records);
            t = performance.now();
            let count = 0;
            for await (const c of (await F.decryptFile(stored.stream(), key, id)).chunks) count += c.length;
            rates['decrypt (Blob stream)'].push(rate(performance.now() - t));
            if (count !== size) fail(`decrypted ${count} bytes from the Blob stream`);
            t = performance.now();
            sha256(pt);
            rates['SHA-256 alone (JS)'].push(rate(performance.now() - t));
            t = performance.now();
            const iv = new Uint8Array(12);
            for (let i = 0; i < size; i += chunkSize) { iv[0] = i / chunkSize; await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, pt.subarray(i, i + chunkSize)); }
            rates['AES-256-GCM alone (WebCrypto)'].push(rate(performance.now() - t));
          }
          return { ok, problem, rates, userAgent: navigator.userAgent };
        }
        """;
}
