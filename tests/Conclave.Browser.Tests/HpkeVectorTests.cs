using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conclave.Browser.Tests;

/// <summary>
/// The web client's HPKE module (Clients/web/e2ee/hpke.js, served at <c>/e2ee/hpke.js</c>) in a real Chromium, on
/// WebCrypto, against RFC 9180 Appendix A.1.1, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode
/// (Vectors/hpke-vectors.json, a copy of ../shared/vectors): DeriveKeyPair, Encap/Decap, the key schedule, every
/// encryption and every export. Then round trips with fresh non-extractable recipient keys, tampering and hostile
/// input (which must fail with a result, never a throw), and the context's rules. Each test runs its checks in the
/// page and gets back every failed check by name, so one run shows every wrong value.
/// </summary>
public sealed class HpkeVectorTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>Seed of the page's xorshift32 for test inputs: fixed, so a failure reproduces. Keys come from WebCrypto.</summary>
    private const int Seed = 0x4850_4B45;

    [Fact]
    public Task Every_vector_derives_its_key_pairs_shared_secret_and_key_schedule() => RunAsync(KemAndScheduleChecks, minimumChecks: 30);

    [Fact]
    public Task Every_encryption_seals_to_ct_and_opens_to_pt() => RunAsync(EncryptionChecks, minimumChecks: 6 * 5 + 257);

    [Fact]
    public Task Every_export_matches_on_both_sides() => RunAsync(ExportChecks, minimumChecks: 3 * 2);

    [Fact]
    public Task Fresh_non_extractable_recipient_keys_round_trip() => RunAsync(RoundTripChecks, minimumChecks: 8 * 4 + 20);

    [Fact]
    public Task Tampered_enc_ct_aad_and_info_fail_cleanly() => RunAsync(TamperChecks, minimumChecks: 32 * 2 + 45 * 2 + 45 + 10);

    [Fact]
    public Task Hostile_enc_and_arguments_fail_without_throwing() => RunAsync(HostileChecks, minimumChecks: 760);

    [Fact]
    public Task Contexts_keep_sequence_roles_and_limits() => RunAsync(ContextChecks, minimumChecks: 40);

    /// <summary>
    /// Opens the app's landing page, imports the module and runs <paramref name="body"/> (JS with <c>H</c> the module,
    /// <c>V</c> the vectors, <c>check(ok, what)</c>), then fails with every failed check.
    /// </summary>
    private Task RunAsync(string body, int minimumChecks) => PageChecks.RunAsync(fixture, output, "HPKE vectors",
        Prelude.Replace("/*BODY*/", body, StringComparison.Ordinal), $$"""{"vectors":{{VectorsForPage.Value}},"seed":{{Seed}}}""", minimumChecks);

    /// <summary>
    /// The vector file after a look at its <c>_meta</c>: it must be RFC 9180's A.1.1 (the one suite the module
    /// implements), base mode only. The page gets the vectors without <c>_meta</c>.
    /// </summary>
    private static readonly Lazy<string> VectorsForPage = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Vectors", "hpke-vectors.json");
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        JsonObject meta = root["_meta"]!.AsObject();
        string spec = meta["spec"]!.GetValue<string>();
        if (!spec.Contains("RFC 9180", StringComparison.Ordinal) || !spec.Contains("A.1.1", StringComparison.Ordinal))
            throw new InvalidOperationException($"{path} is not RFC 9180 A.1.1: {spec}");
        root.Remove("_meta");
        JsonArray vectors = root["vectors"]!.AsArray();
        if (vectors.Count == 0) throw new InvalidOperationException($"{path} holds no vectors");
        foreach (JsonNode? v in vectors)
        {
            (int mode, int kem, int kdf, int aead) = (v!["mode"]!.GetValue<int>(), v["kem_id"]!.GetValue<int>(), v["kdf_id"]!.GetValue<int>(), v["aead_id"]!.GetValue<int>());
            if ((mode, kem, kdf, aead) != (0, 0x20, 1, 1))
                throw new InvalidOperationException($"{path}: a vector of mode {mode}, suite {kem}/{kdf}/{aead}; hpke.js implements base mode of 0x20/1/1 only");
        }

        return root.ToJsonString();
    });

    /// <summary>Shared by every test: the module, the vectors, check(), hex helpers, a seeded xorshift32.</summary>
    private const string Prelude = """
        async input => {
          const { vectors: { vectors: V }, seed } = JSON.parse(input);
          const failures = [];
          let checked = 0;
          const check = (ok, what) => { checked++; if (!ok) failures.push(what); };
          const hex = b => b == null ? String(b) : Array.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b, x => x.toString(16).padStart(2, '0')).join('');
          const unhex = h => new Uint8Array((h.match(/../g) ?? []).map(x => parseInt(x, 16)));
          const ascii = s => new TextEncoder().encode(s);
          const b64url = s => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
          const show = r => r == null ? String(r) : JSON.stringify(r, (k, v) => typeof v === 'bigint' ? v.toString()
            : v instanceof Uint8Array ? hex(v) : v);
          let state = seed >>> 0 || 1;
          const random = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
          const randomBytes = n => Uint8Array.from({ length: n }, () => random() & 0xFF);
          const throws = async f => { try { await f(); return false; } catch { return true; } };
          const rejectsWith = async (f, code) => { try { await f(); return 'no error'; } catch (e) { return e?.code === code ? true : `${e?.name} ${e?.code}: ${e?.message}`; } };
          const failed = (r, code) => r != null && r.ok === false && r.pt === undefined && (code === undefined || r.error === code) && typeof r.message === 'string';
          const clamp = k => { const c = k.slice(); c[0] &= 248; c[31] &= 127; c[31] |= 64; return c; };
          let H;
          try {
            for (const file of ['hpke.js', 'hpke-core.js', 'hpke-dhkem.js']) {
              const response = await fetch('/e2ee/' + file);
              check(response.ok && /javascript/.test(response.headers.get('content-type') ?? ''),
                `/e2ee/${file} served as ${response.status} ${response.headers.get('content-type')}`);
            }
            H = await import('/e2ee/hpke.js');
            /*BODY*/
          } catch (e) {
            failures.push('threw: ' + (e?.stack ?? e));
          }
          return { checked, failures };
        }
        """;

    /// <summary>RFC 9180 A.1.1: DeriveKeyPair (§7.1.3), Serialize/Deserialize (§7.1.1-2), Encap/Decap (§4.1), KeySchedule (§5.1).</summary>
    private const string KemAndScheduleChecks = """
        check(V.length >= 1, 'no vectors');
        check(H.Suite.kemId === 0x20 && H.Suite.kdfId === 1 && H.Suite.aeadId === 1, `suite ${show(H.Suite)}`);
        check(hex(H.KEM_SUITE_ID) === hex(ascii('KEM')) + '0020', `KEM suite_id ${hex(H.KEM_SUITE_ID)}`);
        check(hex(H.HPKE_SUITE_ID) === hex(ascii('HPKE')) + '002000010001', `HPKE suite_id ${hex(H.HPKE_SUITE_ID)}`);
        for (const [i, t] of V.entries()) {
          const name = `A.1.1 #${i}`;
          const info = unhex(t.info);
          for (const [who, ikm, sk, pk] of [['E', t.ikmE, t.skEm, t.pkEm], ['R', t.ikmR, t.skRm, t.pkRm]]) {
            // Extractable, so sk can be compared: WebCrypto holds it as derived (the vectors print it unclamped).
            const kp = await H.deriveKeyPair(unhex(ikm), { extractable: true });
            const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', kp.privateKey));
            check(hex(pkcs8.subarray(16)) === sk && hex(pkcs8.subarray(0, 16)) === '302e020100300506032b656e04220420', `${name}: DeriveKeyPair(ikm${who}) sk ${hex(pkcs8)}, want sk${who}m ${sk}`);
            check(hex(kp.publicKeyBytes) === pk, `${name}: DeriveKeyPair(ikm${who}) pk ${hex(kp.publicKeyBytes)}, want pk${who}m ${pk}`);
            const jwk = await crypto.subtle.exportKey('jwk', kp.privateKey);
            check(hex(b64url(jwk.x)) === pk && hex(b64url(jwk.d)) === sk, `${name}: the JWK of sk${who} has x ${hex(b64url(jwk.x))}, d ${hex(b64url(jwk.d))}`);
            check(hex(await H.serializePublicKey(kp.publicKey)) === pk, `${name}: SerializePublicKey(pk${who})`);
            check(hex(await H.serializePrivateKey(kp.privateKey)) === hex(clamp(unhex(sk))), `${name}: SerializePrivateKey(sk${who}) is not clamp(sk${who}m)`);
            const hidden = await H.deriveKeyPair(unhex(ikm));
            check(hidden.privateKey.extractable === false && show(hidden.privateKey.usages) === '["deriveBits"]' && hex(hidden.publicKeyBytes) === pk,
              `${name}: non-extractable DeriveKeyPair(ikm${who}): extractable ${hidden.privateKey.extractable}, usages ${show(hidden.privateKey.usages)}, pk ${hex(hidden.publicKeyBytes)}`);
            check(hex(await H.publicKeyOf(hidden.privateKey)) === pk, `${name}: publicKeyOf(non-extractable sk${who})`);
            check(await rejectsWith(() => H.serializePrivateKey(hidden.privateKey), 'invalid-argument') === true, `${name}: a non-extractable sk${who} was serialized`);
            const back = await H.deserializePrivateKey(unhex(sk));
            check(hex(back.publicKeyBytes) === pk && back.privateKey.extractable === false, `${name}: DeserializePrivateKey(sk${who}m) gave pk ${hex(back.publicKeyBytes)}`);
          }

          const kpR = await H.deriveKeyPair(unhex(t.ikmR));
          const e = await H.encap(unhex(t.pkRm), { ikmE: unhex(t.ikmE) });
          check(hex(e.enc) === t.enc, `${name}: Encap enc ${hex(e.enc)}, want ${t.enc}`);
          check(hex(e.sharedSecret) === t.shared_secret, `${name}: Encap shared_secret ${hex(e.sharedSecret)}, want ${t.shared_secret}`);
          const e2 = await H.encap(kpR.publicKey, { ikmE: unhex(t.ikmE) });
          check(hex(e2.enc) === t.enc && hex(e2.sharedSecret) === t.shared_secret, `${name}: Encap to pkR as a CryptoKey gave ${show(e2)}`);
          const fresh = await H.encap(unhex(t.pkRm));
          check(fresh.enc.length === 32 && hex(fresh.enc) !== t.enc && hex(fresh.sharedSecret) !== t.shared_secret, `${name}: Encap without ikmE repeated the vector`);
          check(hex(await H.decap(fresh.enc, kpR)) === hex(fresh.sharedSecret), `${name}: Decap of a random Encap to pkR`);

          for (const [how, recipient] of [['the non-extractable key pair', kpR],
              ['a bare non-extractable private key', kpR.privateKey],
              ['{ privateKey, publicKeyBytes }', { privateKey: kpR.privateKey, publicKeyBytes: unhex(t.pkRm) }],
              ['a CryptoKeyPair-like { privateKey, publicKey }', { privateKey: kpR.privateKey, publicKey: kpR.publicKey }],
              ['skRm bytes', unhex(t.skRm)]]) {
            const ss = await H.decap(unhex(t.enc), recipient);
            check(hex(ss) === t.shared_secret, `${name}: Decap with ${how} gave ${hex(ss)}, want ${t.shared_secret}`);
          }

          const ks = await H.keyScheduleSecrets(unhex(t.shared_secret), info);
          for (const [field, got] of [['key_schedule_context', ks.keyScheduleContext], ['secret', ks.secret], ['key', ks.key],
              ['base_nonce', ks.baseNonce], ['exporter_secret', ks.exporterSecret]]) {
            check(hex(got) === t[field], `${name}: KeySchedule ${field} ${hex(got)}, want ${t[field]}`);
          }
          const { enc, context } = await H.setupBaseS(unhex(t.pkRm), info, { ikmE: unhex(t.ikmE) });
          check(hex(enc) === t.enc && context.role === 'sender' && context.seq === 0n, `${name}: SetupBaseS gave enc ${hex(enc)}, role ${context.role}, seq ${context.seq}`);
          const receiver = await H.setupBaseR(unhex(t.enc), kpR, info);
          check(receiver.role === 'recipient' && receiver.seq === 0n, `${name}: SetupBaseR gave role ${receiver.role}, seq ${receiver.seq}`);
        }
        """;

    /// <summary>RFC 9180 A.1.1 Encryptions: ComputeNonce, Seal (§5.2) from seq 0 up, Open back, and the single-shot API (§6.1).</summary>
    private const string EncryptionChecks = """
        for (const [i, t] of V.entries()) {
          const name = `A.1.1 #${i}`;
          const info = unhex(t.info), ss = unhex(t.shared_secret), baseNonce = unhex(t.base_nonce);
          const kpR = await H.deriveKeyPair(unhex(t.ikmR));
          check(t.encryptions.length >= 6, `${name}: ${t.encryptions.length} encryptions`);
          const bySeq = new Map(t.encryptions.map(x => [x['sequence number'], x]));

          // One sender context from seq 0, sealing "Count-<seq>" every time (the vectors print some of the sequence).
          const { context: sender } = await H.setupBaseS(unhex(t.pkRm), info, { ikmE: unhex(t.ikmE) });
          const last = Math.max(...bySeq.keys());
          const cts = [];
          for (let seq = 0; seq <= last; seq++) {
            const want = bySeq.get(seq);
            const pt = want ? unhex(want.pt) : unhex(t.encryptions[0].pt);
            const ct = await sender.seal(ascii(`Count-${seq}`), pt);
            cts.push({ seq, aad: ascii(`Count-${seq}`), pt, ct });
            if (want) {
              check(hex(ascii(`Count-${seq}`)) === want.aad, `${name}: the vector's aad ${want.aad} is not Count-${seq}`);
              check(hex(ct) === want.ct, `${name} seq ${seq}: Seal gave ${hex(ct)}, want ${want.ct}`);
            }
          }
          check(sender.seq === BigInt(last + 1), `${name}: after ${last + 1} seals seq is ${sender.seq}`);

          // One recipient context from seq 0 opens them all in order.
          const receiver = await H.setupBaseR(unhex(t.enc), kpR, info);
          for (const { seq, aad, pt, ct } of cts) {
            const r = await receiver.open(aad, ct);
            check(r.ok === true && hex(r.pt) === hex(pt), `${name} seq ${seq}: Open gave ${show(r)}`);
          }
          check(receiver.seq === BigInt(last + 1), `${name}: after ${last + 1} opens seq is ${receiver.seq}`);

          // Each printed encryption alone, from a context started at its sequence number.
          for (const x of t.encryptions) {
            const seq = x['sequence number'], what = `${name} seq ${seq}`;
            check(hex(H.computeNonce(baseNonce, seq)) === x.nonce, `${what}: ComputeNonce ${hex(H.computeNonce(baseNonce, seq))}, want ${x.nonce}`);
            check(hex(H.computeNonce(baseNonce, BigInt(seq))) === x.nonce, `${what}: ComputeNonce with a BigInt seq`);
            const s = await H.keySchedule('sender', ss, info, { seq });
            const ct = await s.seal(unhex(x.aad), unhex(x.pt));
            check(hex(ct) === x.ct, `${what}: Seal from seq ${seq} gave ${hex(ct)}, want ${x.ct}`);
            const r = await H.keySchedule('recipient', ss, info, { seq });
            const opened = await r.open(unhex(x.aad), unhex(x.ct));
            check(opened.ok === true && hex(opened.pt) === x.pt && r.seq === BigInt(seq) + 1n, `${what}: Open gave ${show(opened)}, seq ${r.seq}`);
            const wrongSeq = await H.keySchedule('recipient', ss, info, { seq: seq + 1 });
            const w = await wrongSeq.open(unhex(x.aad), unhex(x.ct));
            check(failed(w, 'open-error') && wrongSeq.seq === BigInt(seq) + 1n, `${what}: opened at seq ${seq + 1}: ${show(w)}, seq ${wrongSeq.seq}`);
          }

          // Single-shot (§6.1): one message at seq 0.
          const first = bySeq.get(0);
          const once = await H.seal(unhex(t.pkRm), info, unhex(first.aad), unhex(first.pt), { ikmE: unhex(t.ikmE) });
          check(hex(once.enc) === t.enc && hex(once.ct) === first.ct, `${name}: single-shot seal gave ${show(once)}, want enc ${t.enc} ct ${first.ct}`);
          for (const [how, recipient] of [['key pair', kpR], ['bare private key', kpR.privateKey], ['skRm bytes', unhex(t.skRm)]]) {
            const r = await H.open(recipient, unhex(t.enc), info, unhex(first.aad), unhex(first.ct));
            check(r.ok === true && hex(r.pt) === first.pt, `${name}: single-shot open with the ${how} gave ${show(r)}`);
          }
          const later = bySeq.get(1);
          check(failed(await H.open(kpR, unhex(t.enc), info, unhex(later.aad), unhex(later.ct)), 'open-error'), `${name}: single-shot open took the seq-1 ciphertext`);
        }
        """;

    /// <summary>RFC 9180 A.1.1 Exported Values: Export (§5.3) on the sender's and the recipient's context.</summary>
    private const string ExportChecks = """
        for (const [i, t] of V.entries()) {
          const name = `A.1.1 #${i}`;
          const info = unhex(t.info);
          const kpR = await H.deriveKeyPair(unhex(t.ikmR));
          const { context: sender } = await H.setupBaseS(unhex(t.pkRm), info, { ikmE: unhex(t.ikmE) });
          const receiver = await H.setupBaseR(unhex(t.enc), kpR, info);
          check(t.exports.length >= 3, `${name}: ${t.exports.length} exports`);
          for (const x of t.exports) {
            const ctx = unhex(x.exporter_context);
            const s = await sender.export(ctx, x.L), r = await receiver.export(ctx, x.L);
            check(hex(s) === x.exported_value, `${name}: sender Export("${x.exporter_context}", ${x.L}) gave ${hex(s)}, want ${x.exported_value}`);
            check(hex(r) === x.exported_value, `${name}: recipient Export("${x.exporter_context}", ${x.L}) gave ${hex(r)}, want ${x.exported_value}`);
            // LabeledExpand(exporter_secret, "sec", ctx, L) from the vector's exporter_secret (§5.3).
            const direct = await H.labeledExpand(H.HPKE_SUITE_ID, unhex(t.exporter_secret), 'sec', ctx, x.L);
            check(hex(direct) === x.exported_value, `${name}: LabeledExpand(exporter_secret, "sec") gave ${hex(direct)}`);
          }
          // Sealing does not change what is exported.
          await sender.seal(new Uint8Array(0), new Uint8Array(0));
          check(hex(await sender.export(new Uint8Array(0), 32)) === t.exports[0].exported_value, `${name}: Export changed after a Seal`);
        }
        """;

    /// <summary>Fresh recipient keys as a device keeps them (non-extractable, in IndexedDB): every way in, every size.</summary>
    private const string RoundTripChecks = """
        const device = await H.generateKeyPair();
        check(device.privateKey.extractable === false && device.privateKey.type === 'private' && show(device.privateKey.usages) === '["deriveBits"]',
          `generateKeyPair: extractable ${device.privateKey.extractable}, usages ${show(device.privateKey.usages)}`);
        check(device.publicKeyBytes.length === 32 && hex(device.publicKeyBytes) === hex(await crypto.subtle.exportKey('raw', device.publicKey)), 'publicKeyBytes is the raw public key');
        check(hex(await H.publicKeyOf(device.privateKey)) === hex(device.publicKeyBytes), 'publicKeyOf(a generated non-extractable key) is its public key');
        check(await rejectsWith(() => H.serializePrivateKey(device.privateKey), 'invalid-argument') === true, 'a non-extractable private key was serialized');

        // Stored in IndexedDB and read back, as a device would across sessions.
        const db = await new Promise((resolve, reject) => {
          const req = indexedDB.open('hpke-test-' + seed, 1);
          req.onupgradeneeded = () => req.result.createObjectStore('keys');
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        const idb = (mode, f) => new Promise((resolve, reject) => {
          const tx = db.transaction('keys', mode); const req = f(tx.objectStore('keys'));
          req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error);
        });
        await idb('readwrite', s => s.put(device, 'device'));
        const stored = await idb('readonly', s => s.get('device'));
        db.close();
        check(stored.privateKey instanceof CryptoKey && stored.privateKey.extractable === false && hex(stored.publicKeyBytes) === hex(device.publicKeyBytes),
          'the key pair came back from IndexedDB');

        const encs = new Set();
        for (const size of [0, 1, 15, 16, 17, 255, 1000, 65536]) {
          const info = randomBytes(size % 70), aad = randomBytes(size % 13), pt = randomBytes(size);
          const to = size % 2 ? device.publicKeyBytes : device.publicKey;
          const { enc, ct } = await H.seal(to, info, aad, pt);
          encs.add(hex(enc));
          check(enc.length === 32 && ct.length === size + 16, `${size} bytes: enc ${enc.length}, ct ${ct.length}`);
          for (const [how, recipient] of [['the stored key pair', stored], ['the bare private key', stored.privateKey],
              ['{ privateKey, publicKeyBytes }', { privateKey: stored.privateKey, publicKeyBytes: stored.publicKeyBytes }]]) {
            const r = await H.open(recipient, enc, info, aad, ct);
            check(r.ok === true && hex(r.pt) === hex(pt), `${size} bytes, opened with ${how}: ${r.ok ? 'wrong plaintext' : show(r)}`);
          }
          const asBuffers = await H.open(stored, enc.slice().buffer, info.slice().buffer, aad.slice().buffer, ct.slice().buffer);
          check(asBuffers.ok === true && hex(asBuffers.pt) === hex(pt), `${size} bytes as ArrayBuffers: ${show(asBuffers)}`);
        }
        check(encs.size === 8, `8 seals used ${encs.size} distinct enc (a fresh ephemeral key each time)`);

        // A multi-message context, and both sides export the same secrets.
        const info = ascii('conclave multi');
        const { enc, context } = await H.setupBaseS(device.publicKeyBytes, info);
        const receiver = await H.setupBaseR(enc, device, info);
        for (let n = 0; n < 20; n++) {
          const pt = randomBytes(n * 3), aad = ascii(`message ${n}`);
          const r = await receiver.open(aad, await context.seal(aad, pt));
          check(r.ok === true && hex(r.pt) === hex(pt), `context message ${n}: ${show(r)}`);
        }
        check(hex(await context.export(ascii('x'), 48)) === hex(await receiver.export(ascii('x'), 48)), 'sender and recipient export differently');
        check(hex(await context.export(ascii('x'), 32)) !== hex(await context.export(ascii('y'), 32)), 'two exporter contexts gave one secret');

        // An extractable pair serializes, and its bytes open what was sealed to it.
        const portable = await H.generateKeyPair({ extractable: true });
        const skBytes = await H.serializePrivateKey(portable.privateKey);
        const back = await H.deserializePrivateKey(skBytes);
        check(hex(back.publicKeyBytes) === hex(portable.publicKeyBytes), 'DeserializePrivateKey(SerializePrivateKey(sk)) has another public key');
        const sealed = await H.seal(portable.publicKeyBytes, info, ascii('a'), ascii('hello'));
        const viaBytes = await H.open(skBytes, sealed.enc, info, ascii('a'), sealed.ct);
        check(viaBytes.ok === true && new TextDecoder().decode(viaBytes.pt) === 'hello', `open with serialized sk bytes: ${show(viaBytes)}`);
        """;

    /// <summary>RFC 9180 §5.2: one changed bit of enc, ct, aad or info, another key, a truncation: { ok: false }, never a throw.</summary>
    private const string TamperChecks = """
        const device = await H.generateKeyPair();
        const other = await H.generateKeyPair();
        const info = ascii('conclave tamper'), aad = ascii('room 1 epoch 2'), pt = randomBytes(29);
        const { enc, ct } = await H.seal(device.publicKeyBytes, info, aad, pt);
        const good = await H.open(device, enc, info, aad, ct);
        check(good.ok === true && hex(good.pt) === hex(pt), `the untampered message did not open: ${show(good)}`);
        const attempt = async (what, e, i, a, c, recipient = device) => {
          try {
            const r = await H.open(recipient, e, i, a, c);
            // A changed enc is still a valid point (open-error); it is a low-order one only by a miracle.
            check(failed(r, 'open-error'), `${what}: ${show(r)}`);
          } catch (err) {
            check(false, `${what} threw ${err}`);
          }
        };
        for (let i = 0; i < enc.length; i++) {
          for (const bit of [0x01, 0x80]) {                   // 0x80 of byte 31 is masked by X25519, but enc is in kem_context
            const bad = enc.slice(); bad[i] ^= bit;
            await attempt(`enc byte ${i} ^ ${bit}`, bad, info, aad, ct);
          }
        }
        for (let i = 0; i < ct.length; i++) {
          for (const bit of [0x01, 0x80]) {
            const bad = ct.slice(); bad[i] ^= bit;
            await attempt(`ct byte ${i} ^ ${bit}`, enc, info, aad, bad);
          }
        }
        for (let n = 0; n < ct.length; n++) await attempt(`ct truncated to ${n} bytes`, enc, info, aad, ct.subarray(0, n));
        const longer = new Uint8Array(ct.length + 1); longer.set(ct);
        await attempt('ct with a byte appended', enc, info, aad, longer);
        for (let i = 0; i < aad.length; i++) { const bad = aad.slice(); bad[i] ^= 0x20; await attempt(`aad byte ${i} changed`, enc, info, bad, ct); }
        await attempt('empty aad', enc, info, new Uint8Array(0), ct);
        await attempt('aad with a byte appended', enc, info, ascii('room 1 epoch 2 '), ct);
        for (const i of [0, 7, info.length - 1]) { const bad = info.slice(); bad[i] ^= 0x01; await attempt(`info byte ${i} changed`, enc, bad, aad, ct); }
        await attempt('empty info', enc, new Uint8Array(0), aad, ct);
        await attempt('another recipient key', enc, info, aad, ct, other);
        await attempt('the right private key with another public key in kem_context', enc, info, aad, ct, { privateKey: device.privateKey, publicKeyBytes: other.publicKeyBytes });
        await attempt('enc and ct of two messages', (await H.seal(device.publicKeyBytes, info, aad, pt)).enc, info, aad, ct);
        const after = await H.open(device, enc, info, aad, ct);
        check(after.ok === true && hex(after.pt) === hex(pt), `the message no longer opens after the attempts: ${show(after)}`);
        """;

    /// <summary>Hostile enc (wrong length, random, low-order points) and arguments that are not bytes: a result, never a throw.</summary>
    private const string HostileChecks = """
        const device = await H.generateKeyPair();
        const info = ascii('conclave hostile'), aad = ascii('aad'), pt = ascii('secret');
        const { enc, ct } = await H.seal(device.publicKeyBytes, info, aad, pt);
        const safely = async (what, f, ok) => {
          try {
            const r = await f();
            check(ok(r), `${what}: ${show(r)}`);
          } catch (e) {
            check(false, `${what} threw ${e?.stack ?? e}`);
          }
        };
        for (let n = 0; n <= 65; n++) {
          if (n === 32) continue;
          await safely(`enc of ${n} bytes`, () => H.open(device, randomBytes(n), info, aad, ct), r => failed(r, 'deserialize-error'));
        }
        await safely('enc with a byte cut', () => H.open(device, enc.subarray(0, 31), info, aad, ct), r => failed(r, 'deserialize-error'));
        await safely('enc with a byte appended', () => H.open(device, Uint8Array.of(...enc, 0), info, aad, ct), r => failed(r, 'deserialize-error'));

        // The points of order 1, 2, 4 and 8 (and their encodings >= p): X25519 gives all zero (RFC 9180 §7.1.4).
        const lowOrder = ['00'.repeat(32), '01' + '00'.repeat(31),
          'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
          'ec' + 'ff'.repeat(30) + '7f', 'ed' + 'ff'.repeat(30) + '7f', 'ee' + 'ff'.repeat(30) + '7f'];
        for (const p of lowOrder) {
          for (const top of [0x00, 0x80]) {                   // the top bit is masked (RFC 7748 §5)
            const e = unhex(p); e[31] |= top;
            await safely(`low-order enc ${hex(e)}`, () => H.open(device, e, info, aad, ct), r => failed(r, 'validation-error'));
            check(await rejectsWith(() => H.decap(e, device), 'validation-error') === true, `Decap of low-order ${hex(e)}`);
            check(await rejectsWith(() => H.seal(e, info, aad, pt), 'validation-error') === true, `seal to the low-order public key ${hex(e)}`);
          }
        }

        // Random 32-byte enc: a point the recipient can use, so the failure is the AEAD's.
        const results = await Promise.allSettled(Array.from({ length: 300 }, () => H.open(device, randomBytes(32), info, aad, ct)));
        for (const r of results) check(r.status === 'fulfilled' && failed(r.value, 'open-error'), `random enc: ${r.status === 'fulfilled' ? show(r.value) : 'rejected: ' + r.reason}`);
        // Random everything.
        const junk = await Promise.allSettled(Array.from({ length: 300 }, () => H.open(device, randomBytes(random() % 2 ? 32 : random() % 40), randomBytes(random() % 8), randomBytes(random() % 8), randomBytes(random() % 64))));
        for (const r of junk) check(r.status === 'fulfilled' && failed(r.value), `random input: ${r.status === 'fulfilled' ? show(r.value) : 'rejected: ' + r.reason}`);

        const detached = new Uint8Array(new ArrayBuffer(32)).fill(9);
        structuredClone(detached.buffer, { transfer: [detached.buffer] });
        const notBytes = [['null', null], ['undefined', undefined], ['a string', 'abc'], ['a number', 7], ['a BigInt', 7n], ['an object', {}],
          ['an array', Array.from(enc)], ['a view of a detached buffer', detached], ['a proxy that throws', new Proxy({}, { getPrototypeOf() { throw new Error('hostile'); } })]];
        if (typeof SharedArrayBuffer === 'function') notBytes.push(['a SharedArrayBuffer view', new Uint8Array(new SharedArrayBuffer(32))]);
        for (const [what, v] of notBytes) {
          await safely(`enc = ${what}`, () => H.open(device, v, info, aad, ct), r => failed(r, 'deserialize-error'));
          await safely(`info = ${what}`, () => H.open(device, enc, v, aad, ct), r => failed(r, 'invalid-argument'));
          await safely(`aad = ${what}`, () => H.open(device, enc, info, v, ct), r => failed(r, 'invalid-argument'));
          await safely(`ct = ${what}`, () => H.open(device, enc, info, aad, v), r => failed(r, 'invalid-argument'));
        }
        const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']);
        for (const [what, recipient] of [...notBytes, ['31 bytes', new Uint8Array(31)], ['the public key', device.publicKey],
            ['an AES key', aes], ['{ privateKey: public key }', { privateKey: device.publicKey }], ['a key pair with a 31-byte public key', { privateKey: device.privateKey, publicKeyBytes: new Uint8Array(31) }]]) {
          await safely(`recipient = ${what}`, () => H.open(recipient, enc, info, aad, ct), r => failed(r, 'invalid-argument'));
        }
        // The sender side throws HpkeErrors on bad public keys and arguments.
        check(await rejectsWith(() => H.seal(new Uint8Array(31), info, aad, pt), 'invalid-argument') === true, 'seal to a 31-byte public key');
        check(await rejectsWith(() => H.seal(device.privateKey, info, aad, pt), 'invalid-argument') === true, 'seal to a private key');
        check(await rejectsWith(() => H.seal(device.publicKeyBytes, 'info', aad, pt), 'invalid-argument') === true, 'seal with a string info');
        check(await rejectsWith(() => H.deriveKeyPair(new Uint8Array(31)), 'invalid-argument') === true, 'DeriveKeyPair of 31 bytes');
        check(await rejectsWith(() => H.deserializePublicKey(new Uint8Array(33)), 'deserialize-error') === true, 'DeserializePublicKey of 33 bytes');
        const still = await H.open(device, enc, info, aad, ct);
        check(still.ok === true && new TextDecoder().decode(still.pt) === 'secret', `the real message after the hostile ones: ${show(still)}`);
        """;

    /// <summary>RFC 9180 §5.2-5.3: sequence numbers, the 2^96 - 1 limit, roles, Export bounds; §4 and RFC 5869 HKDF.</summary>
    private const string ContextChecks = """
        const ss = randomBytes(32), info = ascii('ctx');
        check(H.SEQ_LIMIT === (1n << 96n) - 1n, `SEQ_LIMIT ${H.SEQ_LIMIT}`);
        const baseNonce = randomBytes(12);
        check(hex(H.computeNonce(baseNonce, H.SEQ_LIMIT)) === hex(baseNonce.map(b => b ^ 0xFF)), 'ComputeNonce(2^96 - 1)');
        check(hex(H.computeNonce(baseNonce, 0)) === hex(baseNonce), 'ComputeNonce(0)');
        check(await throws(() => H.computeNonce(baseNonce, 1n << 96n)) && await throws(() => H.computeNonce(baseNonce, -1)) && await throws(() => H.computeNonce(baseNonce, 0.5)), 'ComputeNonce out of range');

        // The last sequence number is 2^96 - 2; then MessageLimitReachedError, on both sides.
        const s = await H.keySchedule('sender', ss, info, { seq: H.SEQ_LIMIT - 1n });
        const r = await H.keySchedule('recipient', ss, info, { seq: H.SEQ_LIMIT - 1n });
        const lastCt = await s.seal(ascii('last'), ascii('pt'));
        check(s.seq === H.SEQ_LIMIT, `after the last seal seq is ${s.seq}`);
        check(await rejectsWith(() => s.seal(ascii('more'), ascii('pt')), 'message-limit-reached') === true, 'a seal at seq 2^96 - 1');
        check(s.seq === H.SEQ_LIMIT, 'a refused seal changed seq');
        const lastOpen = await r.open(ascii('last'), lastCt);
        check(lastOpen.ok === true && new TextDecoder().decode(lastOpen.pt) === 'pt', `open at seq 2^96 - 2: ${show(lastOpen)}`);
        check(failed(await r.open(ascii('last'), lastCt), 'message-limit-reached'), 'an open at seq 2^96 - 1');
        check(await throws(() => H.keySchedule('sender', ss, info, { seq: H.SEQ_LIMIT + 1n })), 'keySchedule at seq 2^96');
        check(await throws(() => H.keySchedule('both', ss, info)), 'keySchedule with an unknown role');
        check(await rejectsWith(() => H.keySchedule('sender', randomBytes(31), info), 'invalid-argument') === true, 'keySchedule with a 31-byte shared secret');

        // Roles: ContextS seals, ContextR opens.
        const sender = await H.keySchedule('sender', ss, info), recipient = await H.keySchedule('recipient', ss, info);
        check(await rejectsWith(() => sender.open(ascii('a'), new Uint8Array(32)), 'invalid-argument') === true, 'a sender context opened');
        check(await rejectsWith(() => recipient.seal(ascii('a'), ascii('b')), 'invalid-argument') === true, 'a recipient context sealed');
        check(await throws(() => new H.HpkeContext()), 'HpkeContext constructed directly');

        // Concurrent seals take distinct sequence numbers; concurrent opens go in call order.
        const pts = Array.from({ length: 100 }, (_, i) => randomBytes(i));
        const cts = await Promise.all(pts.map(p => sender.seal(new Uint8Array(0), p)));
        check(sender.seq === 100n, `100 concurrent seals left seq ${sender.seq}`);
        const opened = await Promise.all(cts.map(c => recipient.open(new Uint8Array(0), c)));
        check(opened.every((o, i) => o.ok === true && hex(o.pt) === hex(pts[i])), `100 concurrent opens: ${opened.filter(o => !o.ok).length} failed`);
        check(recipient.seq === 100n, `after 100 opens seq is ${recipient.seq}`);
        // A failed open does not move seq; an out-of-order message fails and the right one still opens.
        const c100 = await sender.seal(ascii('n'), ascii('100')), c101 = await sender.seal(ascii('n'), ascii('101'));
        check(failed(await recipient.open(ascii('n'), randomBytes(40)), 'open-error') && recipient.seq === 100n, 'garbage moved seq');
        check(failed(await recipient.open(ascii('n'), c101), 'open-error') && recipient.seq === 100n, 'message 101 opened at seq 100');
        const o100 = await recipient.open(ascii('n'), c100), o101 = await recipient.open(ascii('n'), c101);
        check(o100.ok && o101.ok && new TextDecoder().decode(o101.pt) === '101' && recipient.seq === 102n, `in order again: ${show(o100)} ${show(o101)}`);
        check(failed(await recipient.open(ascii('n'), c100), 'open-error'), 'a replayed message opened');

        // Export: L in [0, 255 * Nh].
        check((await sender.export(new Uint8Array(0), 0)).length === 0, 'Export of 0 bytes');
        const long = await sender.export(ascii('long'), 8160);
        check(long.length === 8160 && hex(long) === hex(await recipient.export(ascii('long'), 8160)), 'Export of 8160 bytes');
        // L is in LabeledExpand's info (I2OSP(L, 2), §4): a shorter export is not a prefix of a longer one.
        check(hex(long.subarray(0, 32)) !== hex(await recipient.export(ascii('long'), 32)), 'the 32-byte export is a prefix of the 8160-byte one');
        check(await throws(() => sender.export(ascii('long'), 8161)), 'Export of 8161 bytes (RFC 9180 §5.3 MUST reject)');
        check(await throws(() => sender.export(ascii('x'), -1)) && await throws(() => sender.export(ascii('x'), 1.5)), 'Export of a bad length');
        check(await rejectsWith(() => sender.export('x', 32), 'invalid-argument') === true, 'Export with a string context');

        // HKDF-SHA256: RFC 5869 A.1, then Extract + Expand against WebCrypto's one-call HKDF.
        const prk = await H.extract(unhex('000102030405060708090a0b0c'), unhex('0b'.repeat(22)));
        check(hex(prk) === '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', `RFC 5869 A.1 PRK ${hex(prk)}`);
        const okm = await H.expand(prk, unhex('f0f1f2f3f4f5f6f7f8f9'), 42);
        check(hex(okm) === '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865', `RFC 5869 A.1 OKM ${hex(okm)}`);
        for (const length of [1, 31, 32, 33, 64, 100, 8160]) {
          const salt = randomBytes(length % 3 === 0 ? 0 : 16), ikm = randomBytes(20), inf = randomBytes(length % 50);
          const mine = await H.expand(await H.extract(salt, ikm), inf, length);
          const theirs = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: inf },
            await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']), length * 8));
          check(hex(mine) === hex(theirs), `HKDF of ${length} bytes (salt ${salt.length}) differs from WebCrypto's`);
        }
        check(await throws(() => H.expand(prk, new Uint8Array(0), 8161)), 'HKDF-Expand of 8161 bytes');
        // LabeledExtract / LabeledExpand (§4) spelled out.
        const le = await H.labeledExtract(H.HPKE_SUITE_ID, new Uint8Array(0), 'info_hash', ascii('x'));
        check(hex(le) === hex(await H.extract(new Uint8Array(0), new Uint8Array([...ascii('HPKE-v1'), ...H.HPKE_SUITE_ID, ...ascii('info_hash'), ...ascii('x')]))), 'LabeledExtract');
        const lx = await H.labeledExpand(H.KEM_SUITE_ID, prk, 'sk', ascii('i'), 40);
        check(hex(lx) === hex(await H.expand(prk, new Uint8Array([0, 40, ...ascii('HPKE-v1'), ...H.KEM_SUITE_ID, ...ascii('sk'), ...ascii('i')]), 40)), 'LabeledExpand');
        check(hex(H.i2osp(0x0102, 2)) === '0102' && hex(H.i2osp(0, 3)) === '000000' && hex(H.i2osp(1n << 64n, 12)) === '000000010000000000000000', 'I2OSP');
        check(await throws(() => H.i2osp(256, 1)) && await throws(() => H.i2osp(-1, 2)), 'I2OSP out of range');
        """;
}
