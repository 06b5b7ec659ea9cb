using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conclave.Browser.Tests;

/// <summary>
/// The web client's SFrame module (Clients/web/e2ee/, served at <c>/e2ee/sframe.js</c>) in a real Chromium, on
/// WebCrypto, against the test vectors of RFC 9605 Appendix C (Vectors/sframe-rfc9605-vectors.json, a copy of
/// ../shared/vectors): C.1 headers, C.2 the AES-CTR + HMAC AEAD, C.3 whole SFrame encryptions with their key schedule.
/// Then tampering, hostile input and the sender/receiver contexts. Each test runs its checks in the page and gets back
/// every failed check by name, so one run shows every wrong vector.
/// </summary>
public sealed class SFrameVectorTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>Seed of the page's xorshift32 for random bytes: fixed, so a failure reproduces.</summary>
    private const int Seed = 0x5F4A_3E21;

    [Fact]
    public Task Every_header_vector_encodes_and_decodes() => RunAsync(HeaderChecks, minimumChecks: 289 * 5);

    [Fact]
    public Task Every_aes_ctr_hmac_vector_seals_to_ct_and_opens_to_pt() => RunAsync(AesCtrHmacChecks, minimumChecks: 3 * 6);

    [Fact]
    public Task Every_sframe_vector_encrypts_to_ct_and_decrypts_to_pt() => RunAsync(SFrameChecks, minimumChecks: 5 * 12);

    [Fact]
    public Task Tampered_ciphertext_fails_authentication() => RunAsync(TamperChecks, minimumChecks: 5 * 40);

    [Fact]
    public Task Hostile_headers_and_ciphertexts_never_throw() => RunAsync(HostileChecks, minimumChecks: 20_000);

    [Fact]
    public Task Sender_and_receiver_contexts_keep_their_rules() => RunAsync(ContextChecks, minimumChecks: 30);

    [Fact]
    public Task Every_suite_round_trips_frames_of_every_size() => RunAsync(RoundTripChecks, minimumChecks: 5 * 8 * 2);

    /// <summary>
    /// Opens the app's landing page, imports the module and runs <paramref name="body"/> (JS with <c>S</c> the module,
    /// <c>V</c> the vectors, <c>check(ok, what)</c>), then fails with every failed check.
    /// </summary>
    private Task RunAsync(string body, int minimumChecks) => PageChecks.RunAsync(fixture, output, "SFrame vectors",
        Prelude.Replace("/*BODY*/", body, StringComparison.Ordinal), $$"""{"vectors":{{VectorsForPage.Value}},"seed":{{Seed}}}""", minimumChecks);

    /// <summary>
    /// The vectors with KID and CTR as decimal strings: some are 2^64 - 1, which a JS Number (and JSON.parse) rounds.
    /// The page turns them into BigInts.
    /// </summary>
    private static readonly Lazy<string> VectorsForPage = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Vectors", "sframe-rfc9605-vectors.json");
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root.Remove("_meta");
        foreach (string section in new[] { "header", "sframe" })
        {
            foreach (JsonNode? vector in root[section]!.AsArray())
            {
                foreach (string field in new[] { "kid", "ctr" })
                    vector![field] = vector[field]!.GetValue<ulong>().ToString(CultureInfo.InvariantCulture);
            }
        }

        return root.ToJsonString();
    });

    /// <summary>Shared by every test: the module, the vectors, check(), hex helpers, a seeded xorshift32.</summary>
    private const string Prelude = """
        async input => {
          const { vectors: V, seed } = JSON.parse(input);
          const failures = [];
          let checked = 0;
          const check = (ok, what) => { checked++; if (!ok) failures.push(what); };
          const hex = b => b == null ? String(b) : Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
          const unhex = h => new Uint8Array((h.match(/../g) ?? []).map(x => parseInt(x, 16)));
          const show = r => r == null ? String(r) : JSON.stringify(r, (k, v) => typeof v === 'bigint' ? v.toString()
            : v instanceof Uint8Array ? hex(v) : v);
          let state = seed >>> 0 || 1;
          const random = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
          const randomBytes = n => Uint8Array.from({ length: n }, () => random() & 0xFF);
          const throws = async f => { try { await f(); return false; } catch { return true; } };
          let S;
          try {
            const response = await fetch('/e2ee/sframe.js');
            check(response.ok && /javascript/.test(response.headers.get('content-type') ?? ''),
              `/e2ee/sframe.js served as ${response.status} ${response.headers.get('content-type')}`);
            S = await import('/e2ee/sframe.js');
            /*BODY*/
          } catch (e) {
            failures.push('threw: ' + (e?.stack ?? e));
          }
          return { checked, failures };
        }
        """;

    /// <summary>RFC 9605 App. C.1: (kid, ctr) ↔ header, alone and inside a frame; writeHeader refuses a short buffer.</summary>
    private const string HeaderChecks = """
        check(V.header.length === 289, `expected the 289 header vectors of RFC 9605 C.1, got ${V.header.length}`);
        for (const h of V.header) {
          const kid = BigInt(h.kid), ctr = BigInt(h.ctr), size = h.encoded.length / 2;
          const name = `C.1 kid=${kid} ctr=${ctr}`;
          const encoded = S.encodeHeader(kid, ctr);
          check(hex(encoded) === h.encoded, `${name}: encodeHeader gave ${hex(encoded)}, want ${h.encoded}`);
          check(S.headerLength(kid, ctr) === size, `${name}: headerLength gave ${S.headerLength(kid, ctr)}, want ${size}`);
          const decoded = S.decodeHeader(unhex(h.encoded));
          check(decoded?.kid === kid && decoded?.ctr === ctr && decoded?.length === size,
            `${name}: decodeHeader(${h.encoded}) gave ${show(decoded)}`);
          const inFrame = S.decodeHeader(unhex('ff' + h.encoded + 'a5a5a5a5'), 1);
          check(inFrame?.kid === kid && inFrame?.ctr === ctr && inFrame?.length === size,
            `${name}: decodeHeader at offset 1 of a frame gave ${show(inFrame)}`);
          const short = new Uint8Array(size - 1);
          check(S.writeHeader(short, 0, kid, ctr) === -1 && short.every(b => b === 0), `${name}: writeHeader wrote into ${size - 1} bytes`);
        }
        check(await throws(() => S.encodeHeader(S.MAX_UINT64 + 1n, 0n)), 'encodeHeader accepted KID 2^64');
        check(await throws(() => S.encodeHeader(0n, -1n)), 'encodeHeader accepted CTR -1');
        check(await throws(() => S.encodeHeader(2 ** 53, 0)), 'encodeHeader accepted the unsafe Number 2^53');
        check(hex(S.encodeHeader(7, 8)) === '7808', `encodeHeader(7, 8) with Numbers gave ${hex(S.encodeHeader(7, 8))}`);
        """;

    /// <summary>RFC 9605 App. C.2: derive_subkeys, AEAD.Encrypt and AEAD.Decrypt of §4.5.1; one bit off anywhere fails.</summary>
    private const string AesCtrHmacChecks = """
        check(V.aes_ctr_hmac.length === 3, `expected the 3 AES-CTR-HMAC vectors of RFC 9605 C.2, got ${V.aes_ctr_hmac.length}`);
        for (const t of V.aes_ctr_hmac) {
          const name = `C.2 suite ${t.cipher_suite} (${S.cipherSuiteInfo(t.cipher_suite)?.name})`;
          const key = unhex(t.key), nonce = unhex(t.nonce), aad = unhex(t.aad);
          const { encKey, authKey } = S.deriveSubkeys(t.cipher_suite, key);
          check(hex(encKey) === t.enc_key, `${name}: enc_key ${hex(encKey)}, want ${t.enc_key}`);
          check(hex(authKey) === t.auth_key, `${name}: auth_key ${hex(authKey)}, want ${t.auth_key}`);
          const sealer = await S.importAeadKey(t.cipher_suite, key, 'encrypt');
          const opener = await S.importAeadKey(t.cipher_suite, key, 'decrypt');
          const ct = await sealer.seal(nonce, aad, unhex(t.pt));
          check(hex(ct) === t.ct, `${name}: seal gave ${hex(ct)}, want ${t.ct}`);
          check(ct.length - t.pt.length / 2 === S.cipherSuiteInfo(t.cipher_suite).nt, `${name}: tag of ${ct.length - t.pt.length / 2} bytes`);
          const pt = await opener.open(nonce, aad, unhex(t.ct));
          check(hex(pt) === t.pt, `${name}: open gave ${hex(pt)}, want ${t.pt}`);
          const good = unhex(t.ct);
          for (let i = 0; i < good.length; i++) {
            const bad = good.slice(); bad[i] ^= 0x01;
            check(await opener.open(nonce, aad, bad) === null, `${name}: opened ct with byte ${i} flipped`);
          }
          const badAad = aad.slice(); badAad[0] ^= 0x80;
          check(await opener.open(nonce, badAad, good) === null, `${name}: opened with a flipped aad`);
          const badNonce = nonce.slice(); badNonce[11] ^= 0x01;
          check(await opener.open(badNonce, aad, good) === null, `${name}: opened with a flipped nonce`);
          check(await opener.open(nonce, aad, good.subarray(0, S.cipherSuiteInfo(t.cipher_suite).nt - 1)) === null, `${name}: opened less than a tag`);
          check(await throws(() => sealer.open(nonce, aad, good)), `${name}: an encryption key opened (RFC 9605 §4.4.1)`);
          check(await throws(() => opener.seal(nonce, aad, unhex(t.pt))), `${name}: a decryption key sealed (RFC 9605 §4.4.1)`);
        }
        """;

    /// <summary>RFC 9605 App. C.3: labels, sframe_secret, key, salt, nonce, aad, then encrypt == ct and decrypt == pt.</summary>
    private const string SFrameChecks = """
        check(V.sframe.length === 5, `expected the 5 SFrame vectors of RFC 9605 C.3, got ${V.sframe.length}`);
        for (const t of V.sframe) {
          const kid = BigInt(t.kid), ctr = BigInt(t.ctr), suite = t.cipher_suite, info = S.cipherSuiteInfo(suite);
          const name = `C.3 suite ${suite} (${info?.name})`;
          const baseKey = unhex(t.base_key), metadata = unhex(t.metadata);
          const { keyLabel, saltLabel } = S.keyScheduleLabels(suite, kid);
          check(hex(keyLabel) === t.sframe_key_label, `${name}: key label ${hex(keyLabel)}, want ${t.sframe_key_label}`);
          check(hex(saltLabel) === t.sframe_salt_label, `${name}: salt label ${hex(saltLabel)}, want ${t.sframe_salt_label}`);
          // HKDF-Extract("", base_key) = HMAC(Nh zero bytes, base_key) (RFC 5869 §2.2): the vector's own intermediate.
          const zeros = await crypto.subtle.importKey('raw', new Uint8Array(info.nh), { name: 'HMAC', hash: info.hash }, false, ['sign']);
          const secret = new Uint8Array(await crypto.subtle.sign('HMAC', zeros, baseKey));
          check(hex(secret) === t.sframe_secret, `${name}: sframe_secret ${hex(secret)}, want ${t.sframe_secret}`);
          const { key, salt } = await S.deriveKeySalt(suite, kid, baseKey);
          check(hex(key) === t.sframe_key, `${name}: sframe_key ${hex(key)}, want ${t.sframe_key}`);
          check(hex(salt) === t.sframe_salt, `${name}: sframe_salt ${hex(salt)}, want ${t.sframe_salt}`);
          check(hex(S.makeNonce(salt, ctr)) === t.nonce, `${name}: nonce ${hex(S.makeNonce(salt, ctr))}, want ${t.nonce}`);
          check(hex(S.encodeHeader(kid, ctr)) + t.metadata === t.aad, `${name}: header + metadata ${hex(S.encodeHeader(kid, ctr))}${t.metadata}, want aad ${t.aad}`);

          const sender = new S.SFrameSender({ cipherSuite: suite });
          await sender.setKey(kid, baseKey, { nextCounter: ctr });
          const sent = await sender.encrypt(unhex(t.pt), metadata);
          check(sent.status === 'ok' && hex(sent.ciphertext) === t.ct, `${name}: encrypt gave ${show(sent)}, want ct ${t.ct}`);
          check(sent.kid === kid && sent.ctr === ctr, `${name}: encrypt reported kid ${sent.kid} ctr ${sent.ctr}`);
          check(sender.nextCounter === ctr + 1n, `${name}: next CTR ${sender.nextCounter}, want ${ctr + 1n}`);

          const receiver = new S.SFrameReceiver({ cipherSuite: suite });
          await receiver.addKey(kid, baseKey);
          const got = await receiver.decrypt(unhex(t.ct), metadata);
          check(got.status === 'ok' && hex(got.plaintext) === t.pt, `${name}: decrypt gave ${show(got)}, want pt ${t.pt}`);
          check(got.kid === kid && got.ctr === ctr, `${name}: decrypt reported kid ${got.kid} ctr ${got.ctr}`);
          // Encoded frames arrive as ArrayBuffers; base keys may come as HKDF CryptoKeys.
          const fromBuffers = await receiver.decrypt(unhex(t.ct).buffer, metadata.slice().buffer);
          check(fromBuffers.status === 'ok' && hex(fromBuffers.plaintext) === t.pt, `${name}: decrypt of ArrayBuffers gave ${show(fromBuffers)}`);
          const hkdf = await crypto.subtle.importKey('raw', baseKey, 'HKDF', false, ['deriveBits']);
          const viaCryptoKey = new S.SFrameReceiver({ cipherSuite: suite });
          await viaCryptoKey.addKey(kid, hkdf);
          const got2 = await viaCryptoKey.decrypt(unhex(t.ct), metadata);
          check(got2.status === 'ok' && hex(got2.plaintext) === t.pt, `${name}: decrypt with an HKDF CryptoKey gave ${show(got2)}`);
        }
        """;

    /// <summary>RFC 9605 §4.4.4: a changed bit, byte count, metadata, key or header never decrypts.</summary>
    private const string TamperChecks = """
        for (const t of V.sframe) {
          const kid = BigInt(t.kid), ctr = BigInt(t.ctr), suite = t.cipher_suite;
          const name = `C.3 suite ${suite}`;
          const metadata = unhex(t.metadata), good = unhex(t.ct), headerSize = S.decodeHeader(good).length;
          const receiver = new S.SFrameReceiver({ cipherSuite: suite });
          await receiver.addKey(kid, unhex(t.base_key));
          for (let i = 0; i < good.length; i++) {
            for (const bit of [0x01, 0x80]) {
              const bad = good.slice(); bad[i] ^= bit;
              const r = await receiver.decrypt(bad, metadata);
              // Past the header, only the tag can object; in the header, the KID or CTR changes (or stops parsing).
              const want = i >= headerSize ? r.status === 'authentication-failed' : r.status !== 'ok';
              check(want && r.plaintext === undefined, `${name}: byte ${i} ^ ${bit} gave ${show(r)}`);
            }
          }
          for (let n = 0; n < good.length; n++) {
            const r = await receiver.decrypt(good.subarray(0, n), metadata);
            check(r.status !== 'ok' && r.plaintext === undefined, `${name}: truncated to ${n} bytes gave ${show(r)}`);
          }
          const longer = new Uint8Array(good.length + 1); longer.set(good);
          check((await receiver.decrypt(longer, metadata)).status === 'authentication-failed', `${name}: one byte appended decrypted`);
          const badMeta = metadata.slice(); badMeta[3] ^= 0x04;
          check((await receiver.decrypt(good, badMeta)).status === 'authentication-failed', `${name}: changed metadata decrypted`);
          check((await receiver.decrypt(good)).status === 'authentication-failed', `${name}: missing metadata decrypted`);
          // The same body under the header of another CTR: the nonce and aad change.
          const moved = new Uint8Array([...S.encodeHeader(kid, ctr + 1n), ...good.subarray(headerSize)]);
          check((await receiver.decrypt(moved, metadata)).status === 'authentication-failed', `${name}: body moved to CTR+1 decrypted`);
          const wrongKey = new S.SFrameReceiver({ cipherSuite: suite });
          const otherBase = unhex(t.base_key); otherBase[0] ^= 1;
          await wrongKey.addKey(kid, otherBase);
          check((await wrongKey.decrypt(good, metadata)).status === 'authentication-failed', `${name}: another base_key decrypted`);
          const noKey = new S.SFrameReceiver({ cipherSuite: suite });
          await noKey.addKey(kid + 1n, unhex(t.base_key));
          const unknown = await noKey.decrypt(good, metadata);
          check(unknown.status === 'unknown-key' && unknown.kid === kid && unknown.ctr === ctr, `${name}: without its key gave ${show(unknown)}`);
          const otherSuite = new S.SFrameReceiver({ cipherSuite: suite === 4 ? 5 : 4 });
          await otherSuite.addKey(kid, unhex(t.base_key));
          check((await otherSuite.decrypt(good, metadata)).status !== 'ok', `${name}: decrypted under another suite`);
        }
        """;

    /// <summary>Random and truncated bytes, non-minimal encodings, values that are not bytes: null or a status, never a throw.</summary>
    private const string HostileChecks = """
        for (let i = 0; i < 20000; i++) {
          const bytes = randomBytes(random() % 24);
          try {
            const h = S.decodeHeader(bytes);
            // Whatever parses is canonical: re-encoding gives back exactly the bytes read (RFC 9605 §4.3, minimum bytes).
            check(h === null || (h.length <= bytes.length && hex(S.encodeHeader(h.kid, h.ctr)) === hex(bytes.subarray(0, h.length))),
              `random ${hex(bytes)} decoded to non-canonical ${show(h)}`);
          } catch (e) {
            check(false, `decodeHeader(${hex(bytes)}) threw ${e}`);
          }
        }
        for (const h of V.header) {
          const full = unhex(h.encoded);
          for (let n = 0; n < full.length; n++) {
            check(S.decodeHeader(full.subarray(0, n)) === null, `header ${h.encoded} truncated to ${n} bytes decoded`);
          }
        }
        for (const [bytes, why] of [['8005', 'KID 5 in extended form'], ['0807', 'CTR 7 in extended form'],
            ['900008', 'KID 8 with a leading zero byte'], ['09000100', 'CTR 256 with a leading zero byte'],
            ['f00000000000000000ff', 'eight-byte KID with a leading zero'], ['ff' + 'ff'.repeat(15), 'sixteen bytes where seventeen are announced']]) {
          check(S.decodeHeader(unhex(bytes)) === null, `${why} (${bytes}) decoded`);
        }
        const detached = new Uint8Array(new ArrayBuffer(8)).fill(0x99);
        structuredClone(detached.buffer, { transfer: [detached.buffer] });
        const notBytes = [['null', null], ['undefined', undefined], ['a string', '99012345'], ['a number', 0x99],
          ['a BigInt', 0x99n], ['an object', {}], ['an array', [0x99, 1, 2]], ['an array-like', { length: 3, 0: 0x99 }],
          ['a view of a detached buffer', detached], ['a proxy that throws', new Proxy({}, { getPrototypeOf() { throw new Error('hostile'); } })]];
        if (typeof SharedArrayBuffer === 'function') notBytes.push(['a view of a SharedArrayBuffer', new Uint8Array(new SharedArrayBuffer(4))]);
        for (const [what, value] of notBytes) {
          try {
            check(S.decodeHeader(value) === null, `decodeHeader(${what}) was not null`);
          } catch (e) {
            check(false, `decodeHeader(${what}) threw ${e}`);
          }
        }
        const frame = unhex('99012345670000');
        for (const offset of [-1, 1.5, NaN, Infinity, 7, 1e12, '1', null]) {
          try {
            check(S.decodeHeader(frame, offset) === null, `decodeHeader at offset ${offset} was not null`);
          } catch (e) {
            check(false, `decodeHeader at offset ${offset} threw ${e}`);
          }
        }

        // The receiver holds keys for KIDs 0-7 and 291, so random bytes reach the AEAD as often as the header parser.
        for (const suite of [3, 4]) {
          const receiver = new S.SFrameReceiver({ cipherSuite: suite, senderOf: kid => kid });
          for (const kid of [0, 1, 2, 3, 4, 5, 6, 7, 291]) await receiver.addKey(kid, randomBytes(16));
          const results = await Promise.allSettled(Array.from({ length: 1500 }, () => receiver.decrypt(randomBytes(random() % 48), randomBytes(random() % 4))));
          for (const r of results) {
            check(r.status === 'fulfilled' && ['malformed', 'unknown-key', 'authentication-failed'].includes(r.value.status) && r.value.plaintext === undefined,
              `suite ${suite}: decrypt of random bytes gave ${r.status === 'fulfilled' ? show(r.value) : 'a rejection: ' + r.reason}`);
          }
          for (const [what, value] of notBytes) {
            const r = await receiver.decrypt(value).catch(e => ({ rejected: String(e) }));
            check(r.status === 'malformed', `suite ${suite}: decrypt(${what}) gave ${show(r)}`);
            // undefined metadata is the default (none): that frame reaches the AEAD, and fails it.
            const m = await receiver.decrypt(unhex('0100000000000000000000000000000000'), value).catch(e => ({ rejected: String(e) }));
            check(value === undefined ? m.status === 'authentication-failed' : m.status === 'malformed', `suite ${suite}: metadata ${what} gave ${show(m)}`);
          }
        }
        """;

    /// <summary>RFC 9605 §4.4.1, §7.4, §9.1: CTRs never repeat, exhaustion refuses, keys have one direction; the receiver's
    /// window; Conclave's KID layout.</summary>
    private const string ContextChecks = """
        // Conclave's KID layout: (senderIndex << 8) | epoch, the epoch a wrapping byte.
        check(S.conclaveKid(0, 0) === 0n && S.conclaveKid(1, 0) === 256n && S.conclaveKid(1, 255) === 511n, 'conclaveKid basic layout');
        check(S.conclaveKid(1, 256) === 256n && S.conclaveKid(3n, 513n) === 769n, 'conclaveKid keeps only the low byte of the epoch');
        check(S.kidSenderIndex(S.conclaveKid(0x1234, 7)) === 0x1234n && S.kidEpoch(S.conclaveKid(0x1234, 7)) === 7, 'kidSenderIndex / kidEpoch');
        check(S.nextEpoch(254) === 255 && S.nextEpoch(255) === 0, 'nextEpoch wraps 255 -> 0');
        check(S.conclaveKid(S.MAX_SENDER_INDEX, 255) === S.MAX_UINT64, 'the largest sender index fills the KID');
        check(await throws(() => S.conclaveKid(S.MAX_SENDER_INDEX + 1n, 0)), 'conclaveKid accepted a 57-bit sender index');
        check(await throws(() => S.conclaveKid(-1, 0)) && await throws(() => S.conclaveKid(0, -1)), 'conclaveKid accepted a negative value');

        const k1 = randomBytes(16), k2 = randomBytes(16);
        const sender = new S.SFrameSender();
        check(sender.cipherSuite === 4 && sender.kid === null && sender.nextCounter === null, 'a new sender: suite 4, no key');
        check((await sender.encrypt(new Uint8Array(3))).status === 'no-key', 'encrypt without a key');
        const kid = S.conclaveKid(3, 0);
        await sender.setKey(kid, k1);
        const receiver = new S.SFrameReceiver();
        await receiver.addKey(kid, k1);
        for (let i = 0n; i < 3n; i++) {
          const r = await sender.encrypt(new Uint8Array([Number(i)]));
          check(r.status === 'ok' && r.kid === kid && r.ctr === i && S.decodeHeader(r.ciphertext).ctr === i, `frame ${i}: ${show(r)}`);
        }
        // Concurrent calls take distinct CTRs before any await.
        const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => sender.encrypt(new Uint8Array([i & 0xFF, 1, 2]))));
        const ctrs = new Set(burst.map(r => r.ctr));
        check(ctrs.size === 200 && burst.every(r => r.ctr >= 3n && r.ctr < 203n), `200 concurrent frames took ${ctrs.size} distinct CTRs`);
        const opened = await Promise.all(burst.map(r => receiver.decrypt(r.ciphertext)));
        check(opened.every((r, i) => r.status === 'ok' && r.plaintext[0] === (i & 0xFF)), 'the receiver opened all 200');
        check(await throws(() => sender.setKey(kid, k1)), 'the same (base_key, KID) was installed twice (RFC 9605 §9.1)');
        check(sender.kid === kid && sender.nextCounter === 203n, `a refused setKey changed the sender: ${sender.kid} ${sender.nextCounter}`);

        // The last CTR is usable once, then the sender refuses (RFC 9605 §7.4).
        const last = S.conclaveKid(3, 1);
        await sender.setKey(last, k2, { nextCounter: S.MAX_UINT64 });
        await receiver.addKey(last, k2);
        const final = await sender.encrypt(new Uint8Array([42]));
        check(final.status === 'ok' && final.ctr === S.MAX_UINT64 && S.decodeHeader(final.ciphertext).length === 1 + 2 + 8, `CTR 2^64-1: ${show(final)}`);
        const finalOpened = await receiver.decrypt(final.ciphertext);
        check(finalOpened.status === 'ok' && finalOpened.ctr === S.MAX_UINT64 && finalOpened.plaintext[0] === 42, `CTR 2^64-1 decrypt: ${show(finalOpened)}`);
        for (let i = 0; i < 2; i++) {
          const refused = await sender.encrypt(new Uint8Array([1]));
          check(refused.status === 'counter-exhausted' && refused.ciphertext === undefined, `after 2^64-1: ${show(refused)}`);
        }
        check(await throws(() => sender.setKey(S.conclaveKid(3, 2), k2, { nextCounter: S.MAX_UINT64 + 1n })), 'setKey accepted a CTR of 2^64');
        check(await throws(() => sender.setKey(S.MAX_UINT64 + 1n, k2)), 'setKey accepted a KID of 2^64');
        check(await throws(() => sender.setKey(S.conclaveKid(3, 3), new Uint8Array(0))), 'setKey accepted an empty base_key');
        check(await throws(() => new S.SFrameSender({ cipherSuite: 6 })) && await throws(() => new S.SFrameReceiver({ cipherSuite: 0 })), 'an unknown suite was accepted');
        check((await sender.encrypt('not bytes')).status === 'malformed', 'encrypt of a string');

        // Overlapping setKey calls: the last one called wins.
        const racing = new S.SFrameSender();
        await Promise.all([racing.setKey(10, randomBytes(16)), racing.setKey(11, randomBytes(16))]);
        check(racing.kid === 11n, `overlapping setKey left KID ${racing.kid}`);

        // The receiver keeps the newest keysPerSender keys of each sender, maxKeys in all.
        const windowed = new S.SFrameReceiver({ keysPerSender: 2 });
        const keyOf = new Map();
        for (const [who, epoch] of [[5, 0], [6, 0], [5, 1], [5, 2], [6, 1]]) {
          const base = randomBytes(16); keyOf.set(S.conclaveKid(who, epoch), base);
          await windowed.addKey(S.conclaveKid(who, epoch), base);
        }
        check(show(windowed.kids) === show([S.conclaveKid(6, 0), S.conclaveKid(5, 1), S.conclaveKid(5, 2), S.conclaveKid(6, 1)]),
          `per-sender window kept ${show(windowed.kids)}`);
        const oldSender = new S.SFrameSender();
        await oldSender.setKey(S.conclaveKid(5, 0), keyOf.get(S.conclaveKid(5, 0)));
        const stale = await windowed.decrypt((await oldSender.encrypt(new Uint8Array([1]))).ciphertext);
        check(stale.status === 'unknown-key' && stale.kid === S.conclaveKid(5, 0), `a frame of an evicted epoch gave ${show(stale)}`);
        check(windowed.removeKey(S.conclaveKid(5, 1)) && !windowed.hasKey(S.conclaveKid(5, 1)) && !windowed.removeKey(S.conclaveKid(5, 1)), 'removeKey');
        const bounded = new S.SFrameReceiver({ maxKeys: 3, senderOf: k => k });
        for (const k of [1, 2, 3, 4]) await bounded.addKey(k, randomBytes(16));
        check(show(bounded.kids) === show([2n, 3n, 4n]), `maxKeys 3 kept ${show(bounded.kids)}`);
        await bounded.addKey(2, randomBytes(16));
        check(show(bounded.kids) === show([3n, 4n, 2n]), `re-adding KID 2 kept ${show(bounded.kids)}`);
        check(await throws(() => new S.SFrameReceiver({ keysPerSender: 0 })) && await throws(() => new S.SFrameReceiver({ maxKeys: 1.5 })), 'a bad bound was accepted');
        """;

    /// <summary>Every suite, frames from 0 bytes to 64 KiB with and without metadata, sender to receiver.</summary>
    private const string RoundTripChecks = """
        for (const suite of [1, 2, 3, 4, 5]) {
          const info = S.cipherSuiteInfo(suite);
          const base = randomBytes(32), kid = S.conclaveKid(9, suite);
          const sender = new S.SFrameSender({ cipherSuite: suite });
          const receiver = new S.SFrameReceiver({ cipherSuite: suite });
          await sender.setKey(kid, base);
          await receiver.addKey(kid, base);
          for (const size of [0, 1, 15, 16, 17, 255, 1200, 65536]) {
            for (const metadata of [new Uint8Array(0), randomBytes(1 + (size % 7))]) {
              const pt = randomBytes(size);
              const sent = await sender.encrypt(pt, metadata);
              const header = sent.status === 'ok' ? S.decodeHeader(sent.ciphertext) : null;
              check(sent.status === 'ok' && header !== null && sent.ciphertext.length === header.length + size + info.nt,
                `${info.name}: ${size} bytes gave ${sent.status}, ${sent.ciphertext?.length} bytes`);
              const got = await receiver.decrypt(sent.ciphertext, metadata);
              check(got.status === 'ok' && hex(got.plaintext) === hex(pt), `${info.name}: ${size} bytes with ${metadata.length} of metadata came back ${got.status}`);
            }
          }
        }
        """;
}
