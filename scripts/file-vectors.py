#!/usr/bin/env python3
"""Test vectors for the encrypted file format, version 1 (docs/file-format.md).

An implementation of the spec independent of the C# (Clients/Conclave.E2ee/Files) and JavaScript (Clients/web/files)
ones, on Python's `cryptography` package. Deterministic: every key, prefix, id and plaintext comes from a fixed label,
so running it again writes the same file.

    python3 scripts/file-vectors.py            # writes tests/vectors/file-format.json
    python3 scripts/file-vectors.py --check    # fails if the file differs from what it would write

The file holds
  valid:  inputs (fileKey, noncePrefix, fileId, chunkSize, name, mediaType, plaintext, all bytes as hex) and the
          expected sha256, manifest (plaintext bytes of record 0), header and the whole ciphertext;
  tamper: a ciphertext, the fileKey and fileId to decrypt it with, and the error (the spec's name) and record number a
          reader must report (-1 for the header, 0 for the manifest, i + 1 for chunk i, n + 1 for TrailingData, n for
          HashMismatch).
Every tamper case is checked here against this script's own reader (`decrypt`), which follows "Decrypting".
"""

import hashlib
import json
import os
import struct
import sys
from base64 import urlsafe_b64encode

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CNCF"
VERSION = 1
SUITE = 1
HEADER_LENGTH = 32
TAG_LENGTH = 16
AAD_LABEL = b"Conclave file v1"
MIN_CHUNK, MAX_CHUNK, DEFAULT_CHUNK = 64, 64 << 20, 4 << 20
MIN_MANIFEST, MAX_MANIFEST = 46, 1324
MAX_SIZE = 2**53 - 1
MAX_RECORD = 2**32 - 1

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "file-format.json")


# ---- the format -------------------------------------------------------------------------------------------------

def chunk_count(size, chunk_size):
    return max(1, -(-size // chunk_size))


def header(chunk_size, prefix, manifest_length, size, magic=MAGIC, version=VERSION, suite=SUITE, reserved=0):
    out = magic + bytes([version, suite]) + struct.pack(">HI", reserved, chunk_size) + prefix \
        + struct.pack(">IQ", manifest_length, size)
    assert len(out) == HEADER_LENGTH
    return out


def manifest(name, media_type, size, sha256, version=1):
    """name and media_type as bytes, written as given (so the tamper cases can break the rules)."""
    return bytes([version]) + struct.pack(">H", len(name)) + name + struct.pack(">H", len(media_type)) + media_type \
        + struct.pack(">Q", size) + sha256


def aad(hdr, file_id, record, last):
    fid = file_id.encode("ascii")
    return AAD_LABEL + hdr + bytes([len(fid)]) + fid + struct.pack(">IB", record, 1 if last else 0)


def nonce(hdr, record):
    return hdr[12:20] + struct.pack(">I", record)


def seal(key, hdr, file_id, record, last, plaintext):
    return AESGCM(key).encrypt(nonce(hdr, record), plaintext, aad(hdr, file_id, record, last))


def chunks_of(plaintext, chunk_size):
    n = chunk_count(len(plaintext), chunk_size)
    return [plaintext[i * chunk_size:(i + 1) * chunk_size] for i in range(n)]


class File:
    """One encrypted file, kept in parts so the tamper cases can take it apart."""

    def __init__(self, key, prefix, file_id, chunk_size, plaintext, manifest_bytes, size=None, chunk_plaintext=None):
        self.key, self.file_id, self.chunk_size = key, file_id, chunk_size
        self.size = len(plaintext) if size is None else size
        self.header = header(chunk_size, prefix, len(manifest_bytes), self.size)
        self.manifest = manifest_bytes
        self.manifest_record = seal(key, self.header, file_id, 0, False, manifest_bytes)
        parts = chunks_of(plaintext if chunk_plaintext is None else chunk_plaintext, chunk_size)
        self.chunks = [seal(key, self.header, file_id, i + 1, i == len(parts) - 1, p) for i, p in enumerate(parts)]

    def bytes(self, chunks=None):
        return self.header + self.manifest_record + b"".join(self.chunks if chunks is None else chunks)


def encrypt(key, prefix, file_id, chunk_size, name, media_type, plaintext):
    m = manifest(name.encode("utf-8"), media_type.encode("ascii"), len(plaintext), hashlib.sha256(plaintext).digest())
    return File(key, prefix, file_id, chunk_size, plaintext, m)


# ---- a reader, as "Decrypting" says ---------------------------------------------------------------------------

class FormatError(Exception):
    def __init__(self, error, record):
        super().__init__(f"{error} at record {record}")
        self.error, self.record = error, record


def check_manifest(m, header_size):
    """The manifest rules; True if they hold."""
    if len(m) < 45 or m[0] != 1:
        return False
    (name_length,) = struct.unpack_from(">H", m, 1)
    if not 1 <= name_length <= 1024 or 3 + name_length + 2 > len(m):
        return False
    name_bytes = m[3:3 + name_length]
    (type_length,) = struct.unpack_from(">H", m, 3 + name_length)
    if type_length > 255 or len(m) != 45 + name_length + type_length:
        return False
    media_type = m[5 + name_length:5 + name_length + type_length]
    (size,) = struct.unpack_from(">Q", m, 5 + name_length + type_length)
    try:
        name = name_bytes.decode("utf-8", errors="strict")           # Python refuses overlong forms and surrogates
    except UnicodeDecodeError:
        return False
    if name in (".", "..") or any(c in "/\\" or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name):
        return False
    if any(not 0x20 <= b <= 0x7E for b in media_type):
        return False
    return size == header_size


def decrypt(data, key, file_id):
    """(plaintext, manifest bytes), or FormatError."""
    if len(data) < HEADER_LENGTH:
        raise FormatError("Truncated", -1)
    hdr = data[:HEADER_LENGTH]
    chunk_size, = struct.unpack_from(">I", hdr, 8)
    manifest_length, size = struct.unpack_from(">IQ", hdr, 20)
    if hdr[:4] != MAGIC or hdr[4] != VERSION or hdr[5] != SUITE or hdr[6:8] != b"\0\0" \
            or not MIN_CHUNK <= chunk_size <= MAX_CHUNK or not MIN_MANIFEST <= manifest_length <= MAX_MANIFEST \
            or size > MAX_SIZE or chunk_count(size, chunk_size) > MAX_RECORD:
        raise FormatError("BadHeader", -1)
    at = HEADER_LENGTH
    end = at + manifest_length + TAG_LENGTH
    if len(data) < end:
        raise FormatError("Truncated", 0)
    try:
        m = AESGCM(key).decrypt(nonce(hdr, 0), data[at:end], aad(hdr, file_id, 0, False))
    except InvalidTag:
        raise FormatError("ManifestAuthenticationFailed", 0)
    if not check_manifest(m, size):
        raise FormatError("BadManifest", 0)
    at = end
    n = chunk_count(size, chunk_size)
    digest = hashlib.sha256()
    out = []
    for i in range(n):
        length = chunk_size if i < n - 1 else size - (n - 1) * chunk_size
        end = at + length + TAG_LENGTH
        if len(data) < end:
            raise FormatError("Truncated", i + 1)
        try:
            p = AESGCM(key).decrypt(nonce(hdr, i + 1), data[at:end], aad(hdr, file_id, i + 1, i == n - 1))
        except InvalidTag:
            raise FormatError("ChunkAuthenticationFailed", i + 1)
        digest.update(p)
        out.append(p)
        at = end
    if len(data) > at:
        raise FormatError("TrailingData", n + 1)
    if digest.digest() != m[-32:]:
        raise FormatError("HashMismatch", n)
    return b"".join(out), m


# ---- fixed inputs ---------------------------------------------------------------------------------------------

def derive(label, length):
    return hashlib.shake_256(b"Conclave file vectors: " + label.encode()).digest(length)


def file_id(label):
    return urlsafe_b64encode(derive("file id " + label, 16)).rstrip(b"=").decode()


KEY = derive("key A", 32)
OTHER_KEY = derive("key B", 32)
PREFIX = derive("prefix A", 8)
OTHER_PREFIX = derive("prefix B", 8)
ID = file_id("A")
OTHER_ID = file_id("B")


def valid_cases():
    cases = [
        ("empty file", 64, "empty.txt", "text/plain", 0),
        ("smaller than one chunk", 64, "note.txt", "text/plain; charset=utf-8", 10),
        ("exactly one chunk", 64, "one.bin", "application/octet-stream", 64),
        ("several chunks, partial last", 64, "several.bin", "application/octet-stream", 3 * 64 + 17),
        ("exact multiple of the chunk size", 64, "four.bin", "application/octet-stream", 4 * 64),
        ("one byte over a chunk", 64, "over.bin", "application/octet-stream", 65),
        ("one byte under a chunk", 64, "under.bin", "application/octet-stream", 63),
        ("chunk size 1000, partial last", 1000, "report.pdf", "application/pdf", 2500),
        ("chunk size 1000, exactly one chunk", 1000, "k.bin", "application/octet-stream", 1000),
        ("non-ASCII UTF-8 name", 64, "Résumé – 履歴書 📄.pdf", "application/pdf", 100),
        ("empty media type", 64, "unknown", "", 5),
        ("name of 1024 bytes and media type of 255", 64, "n" * 1020 + ".txt", "x/" + "y" * 253, 70),
        ("name with spaces and dots", 64, " a . b . ", "text/plain", 1),
        ("name starting with U+FEFF", 64, "\ufeffbom.txt", "text/plain", 3),
    ]
    out = []
    for index, (title, chunk_size, name, media_type, size) in enumerate(cases):
        key = derive(f"valid key {index}", 32)
        prefix = derive(f"valid prefix {index}", 8)
        fid = file_id(f"valid {index}")
        plaintext = derive(f"valid plaintext {index}", size)
        f = encrypt(key, prefix, fid, chunk_size, name, media_type, plaintext)
        data = f.bytes()
        got, m = decrypt(data, key, fid)
        assert got == plaintext and m == f.manifest
        assert len(data) == 32 + len(f.manifest) + 16 + size + 16 * chunk_count(size, chunk_size)
        assert 46 <= len(f.manifest) <= 1324
        out.append({
            "name": title,
            "fileKey": key.hex(),
            "noncePrefix": prefix.hex(),
            "fileId": fid,
            "chunkSize": chunk_size,
            "fileName": name,
            "mediaType": media_type,
            "plaintext": plaintext.hex(),
            "sha256": hashlib.sha256(plaintext).hexdigest(),
            "manifest": f.manifest.hex(),
            "header": f.header.hex(),
            "ciphertext": data.hex(),
        })
    return out


def tamper_cases():
    cases = []

    def add(title, data, error, record, key=KEY, fid=ID):
        cases.append({"name": title, "fileKey": key.hex(), "fileId": fid, "ciphertext": data.hex(),
                      "error": error, "record": record})

    plaintext = derive("tamper plaintext", 4 * 64 + 17)           # 5 chunks (records 1..5), the last 17 bytes
    base = encrypt(KEY, PREFIX, ID, 64, "base.bin", "application/octet-stream", plaintext)
    c = base.chunks
    n = len(c)
    assert n == 5
    whole = base.bytes()
    head = base.header + base.manifest_record

    # Order and count of chunks
    add("chunks 1 and 2 swapped", base.bytes([c[0], c[2], c[1], c[3], c[4]]), "ChunkAuthenticationFailed", 2)
    add("last two chunks swapped", base.bytes([c[0], c[1], c[2], c[4], c[3]]), "ChunkAuthenticationFailed", 4)
    add("chunk 1 dropped", base.bytes([c[0], c[2], c[3], c[4]]), "ChunkAuthenticationFailed", 2)
    add("chunk 3 dropped (the short last chunk follows)", base.bytes([c[0], c[1], c[2], c[4]]), "Truncated", 4)
    add("chunk 0 duplicated", base.bytes([c[0], c[0], c[1], c[2], c[3], c[4]]), "ChunkAuthenticationFailed", 2)

    # Truncation
    add("empty data", b"", "Truncated", -1)
    add("cut inside the header", whole[:31], "Truncated", -1)
    add("cut after the header", whole[:32], "Truncated", 0)
    add("cut inside the manifest record", whole[:32 + len(base.manifest_record) - 1], "Truncated", 0)
    add("cut after the manifest record", head, "Truncated", 1)
    add("cut at a chunk boundary (last chunk missing)", base.bytes(c[:4]), "Truncated", 5)
    add("cut at a chunk boundary (two chunks missing)", base.bytes(c[:3]), "Truncated", 4)
    add("cut inside chunk 2", base.bytes(c[:2]) + c[2][:40], "Truncated", 3)
    add("cut inside the last chunk's tag", whole[:-1], "Truncated", 5)

    # Appended data
    add("one byte appended", whole + b"\0", "TrailingData", 6)
    add("a copy of the last chunk appended", whole + c[4], "TrailingData", 6)
    extra = seal(KEY, base.header, ID, n + 1, True, derive("extra chunk", 64))
    add("a validly sealed chunk 5 appended", whole + extra, "TrailingData", 6)

    # Records from other files
    other_key = encrypt(OTHER_KEY, PREFIX, ID, 64, "base.bin", "application/octet-stream", plaintext)
    add("chunk 2 from a file with another key", base.bytes([c[0], c[1], other_key.chunks[2], c[3], c[4]]),
        "ChunkAuthenticationFailed", 3)
    other_id = encrypt(KEY, PREFIX, OTHER_ID, 64, "base.bin", "application/octet-stream", plaintext)
    assert other_id.header == base.header                            # only the file id differs
    add("chunk 2 from a file with the same key, prefix and header but another file id",
        base.bytes([c[0], c[1], other_id.chunks[2], c[3], c[4]]), "ChunkAuthenticationFailed", 3)
    add("manifest from a file with the same key but another file id",
        base.header + other_id.manifest_record + b"".join(c), "ManifestAuthenticationFailed", 0)
    other_prefix = encrypt(KEY, OTHER_PREFIX, ID, 64, "base.bin", "application/octet-stream", plaintext)
    add("chunk 2 from a file with the same key and file id but another nonce prefix",
        base.bytes([c[0], c[1], other_prefix.chunks[2], c[3], c[4]]), "ChunkAuthenticationFailed", 3)
    longer = encrypt(KEY, PREFIX, ID, 64, "base.bin", "application/octet-stream", plaintext + b"\0" * 64)
    add("chunk 2 from a longer file with the same key, prefix and file id",
        base.bytes([c[0], c[1], longer.chunks[2], c[3], c[4]]), "ChunkAuthenticationFailed", 3)

    # Header fields
    def with_header(title, error, record, **fields):
        h = header(fields.get("chunk_size", 64), fields.get("prefix", PREFIX),
                   fields.get("manifest_length", len(base.manifest)), fields.get("size", len(plaintext)),
                   magic=fields.get("magic", MAGIC), version=fields.get("version", VERSION),
                   suite=fields.get("suite", SUITE), reserved=fields.get("reserved", 0))
        assert h != base.header
        add(title, h + whole[32:], error, record)

    with_header("header chunk size 64 -> 128", "ManifestAuthenticationFailed", 0, chunk_size=128)
    with_header("header size + 1", "ManifestAuthenticationFailed", 0, size=len(plaintext) + 1)
    with_header("header size - 1", "ManifestAuthenticationFailed", 0, size=len(plaintext) - 1)
    with_header("header nonce prefix, one bit", "ManifestAuthenticationFailed", 0,
                prefix=bytes([PREFIX[0] ^ 1]) + PREFIX[1:])
    with_header("header manifest length - 1", "ManifestAuthenticationFailed", 0, manifest_length=len(base.manifest) - 1)
    with_header("header manifest length + 1", "ManifestAuthenticationFailed", 0, manifest_length=len(base.manifest) + 1)
    with_header("header size at the most chunks (2^32 - 1 of 64 bytes)", "ManifestAuthenticationFailed", 0,
                size=MAX_RECORD * 64)
    with_header("header magic", "BadHeader", -1, magic=b"CNCG")
    with_header("header version 2", "BadHeader", -1, version=2)
    with_header("header version 0", "BadHeader", -1, version=0)
    with_header("header suite 2", "BadHeader", -1, suite=2)
    with_header("header suite 0", "BadHeader", -1, suite=0)
    with_header("header reserved 1", "BadHeader", -1, reserved=1)
    with_header("header reserved 0x8000", "BadHeader", -1, reserved=0x8000)
    with_header("header chunk size 63", "BadHeader", -1, chunk_size=63)
    with_header("header chunk size 0", "BadHeader", -1, chunk_size=0)
    with_header("header chunk size 64 MiB + 1", "BadHeader", -1, chunk_size=MAX_CHUNK + 1)
    with_header("header chunk size 2^32 - 1", "BadHeader", -1, chunk_size=2**32 - 1)
    with_header("header manifest length 45", "BadHeader", -1, manifest_length=45)
    with_header("header manifest length 1325", "BadHeader", -1, manifest_length=1325)
    with_header("header manifest length 2^32 - 1", "BadHeader", -1, manifest_length=2**32 - 1)
    with_header("header size 2^53", "BadHeader", -1, size=2**53)
    with_header("header size 2^64 - 1", "BadHeader", -1, size=2**64 - 1)
    with_header("header size needing 2^32 chunks of 64 bytes", "BadHeader", -1, size=MAX_RECORD * 64 + 1)

    # Bits of records
    def flip(data, at):
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]

    at_chunk2 = 32 + len(base.manifest_record) + 2 * (64 + 16)
    at_last = len(whole) - len(c[4])
    add("manifest ciphertext bit", flip(whole, 32), "ManifestAuthenticationFailed", 0)
    add("manifest tag bit", flip(whole, 32 + len(base.manifest_record) - 1), "ManifestAuthenticationFailed", 0)
    add("chunk 2 ciphertext bit", flip(whole, at_chunk2 + 5), "ChunkAuthenticationFailed", 3)
    add("chunk 2 tag bit", flip(whole, at_chunk2 + 64 + 3), "ChunkAuthenticationFailed", 3)
    add("last chunk ciphertext bit", flip(whole, at_last), "ChunkAuthenticationFailed", 5)
    add("last chunk tag bit", flip(whole, len(whole) - 1), "ChunkAuthenticationFailed", 5)

    # Key and id
    add("wrong key", whole, "ManifestAuthenticationFailed", 0, key=OTHER_KEY)
    add("wrong file id", whole, "ManifestAuthenticationFailed", 0, fid=OTHER_ID)
    add("file id of another case", whole, "ManifestAuthenticationFailed", 0, fid=ID + "x")

    # Manifests that open but break the rules: only a key holder can make them
    small = derive("manifest plaintext", 20)
    sha = hashlib.sha256(small).digest()

    def bad_manifest(title, m, size=len(small), plain=small):
        f = File(KEY, PREFIX, ID, 64, plain, m, size=size)
        add(title, f.bytes(), "BadManifest", 0)

    def m_(name, media=b"text/plain", size=len(small), version=1, digest=sha):
        return manifest(name, media, size, digest, version)

    bad_manifest("name with '/'", m_(b"a/b.txt"))
    bad_manifest("name '/'", m_(b"/"))
    bad_manifest("name with '\\'", m_(b"a\\b.txt"))
    bad_manifest("name '..'", m_(b".."))
    bad_manifest("name '.'", m_(b"."))
    bad_manifest("empty name", m_(b""))
    bad_manifest("name with NUL", m_(b"a\x00b"))
    bad_manifest("name with U+001F", m_(b"a\x1fb"))
    bad_manifest("name with a line feed", m_(b"a\nb"))
    bad_manifest("name with U+007F", m_(b"a\x7fb"))
    bad_manifest("name with U+0085 (C1)", m_("a\u0085b".encode()))
    bad_manifest("name with U+009F (C1)", m_("a\u009fb".encode()))
    bad_manifest("name with byte 0xFF", m_(b"a\xffb"))
    bad_manifest("name with a lone continuation byte", m_(b"a\x80b"))
    bad_manifest("name with an overlong '/' (C0 AF)", m_(b"a\xc0\xafb"))
    bad_manifest("name with a UTF-8 surrogate (ED A0 80)", m_(b"a\xed\xa0\x80b"))
    bad_manifest("name cut inside a UTF-8 sequence", m_("ab€".encode()[:-1]))
    bad_manifest("name of 1025 bytes", m_(b"n" * 1025, media=b""))
    bad_manifest("media type with a control character", m_(b"a.txt", media=b"text/\tplain"))
    bad_manifest("media type with DEL", m_(b"a.txt", media=b"text/plain\x7f"))
    bad_manifest("media type not ASCII", m_(b"a.txt", media="text/plaín".encode()))
    bad_manifest("media type of 256 bytes", m_(b"a.txt", media=b"t" * 256))
    bad_manifest("manifest version 0", m_(b"a.txt", version=0))
    bad_manifest("manifest version 2", m_(b"a.txt", version=2))
    bad_manifest("manifest size = header size + 1", m_(b"a.txt", size=len(small) + 1))
    bad_manifest("manifest size = header size - 1", m_(b"a.txt", size=len(small) - 1))
    bad_manifest("manifest size 2^64 - 1", m_(b"a.txt", size=2**64 - 1))
    bad_manifest("manifest with a trailing byte", m_(b"a.txt") + b"\0")
    bad_manifest("manifest one byte short", m_(b"a.txt")[:-1])
    bad_manifest("manifest name length past the end", b"\x01\x00\x40" + b"z" * 43)

    # Chunks that open but whose plaintext is not the manifest's
    f = File(KEY, PREFIX, ID, 64, plaintext, base.manifest,
             chunk_plaintext=plaintext[:100] + bytes([plaintext[100] ^ 1]) + plaintext[101:])
    add("HashMismatch: one plaintext bit differs, every chunk sealed", f.bytes(), "HashMismatch", n)
    wrong = m_(b"empty.txt", size=0, digest=hashlib.sha256(b"x").digest())
    f = File(KEY, PREFIX, ID, 64, b"", wrong)
    add("HashMismatch: empty file, the manifest has another hash", f.bytes(), "HashMismatch", 1)

    for case in cases:
        try:
            decrypt(bytes.fromhex(case["ciphertext"]), bytes.fromhex(case["fileKey"]), case["fileId"])
        except FormatError as e:
            assert (e.error, e.record) == (case["error"], case["record"]), (case["name"], e.error, e.record)
        else:
            raise AssertionError(f"{case['name']}: decrypted")
    return cases


def main():
    document = {
        "_meta": {
            "spec": "docs/file-format.md, encrypted file format version 1",
            "generator": "scripts/file-vectors.py (Python cryptography AESGCM), deterministic",
            "fields": "hex for bytes; valid: inputs and the expected manifest (record 0 plaintext), header and "
                      "ciphertext; tamper: decrypt ciphertext with fileKey and fileId, expect error at record "
                      "(-1 header, 0 manifest, i + 1 chunk i, n + 1 TrailingData, n HashMismatch)",
        },
        "valid": valid_cases(),
        "tamper": tamper_cases(),
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv[1:]:
        with open(OUT, encoding="utf-8") as existing:
            if existing.read() != text:
                sys.exit(f"{OUT} differs from what scripts/file-vectors.py writes")
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"{os.path.relpath(OUT)}: {len(document['valid'])} valid, {len(document['tamper'])} tamper cases")


if __name__ == "__main__":
    main()
