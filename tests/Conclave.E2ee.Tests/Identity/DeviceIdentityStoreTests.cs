using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Identity;

/// <summary>
/// The identity file: made once, reloaded thereafter, 0600 in a 0700 directory (Unix), refused when others can access
/// it or when it is corrupt (and then left untouched), and created once when threads race; a version 1 file (made
/// before X-Wing) is upgraded in place, once, keeping its keys.
/// </summary>
public sealed class DeviceIdentityStoreTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly string Key32 = Convert.ToBase64String(new byte[32]);
    private static readonly string Key31 = Convert.ToBase64String(new byte[31]);
    private static readonly string Key33 = Convert.ToBase64String(new byte[33]);

    private readonly IdentityTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Create_then_reload_gives_the_same_keys()
    {
        string path = _directory.NewIdentityPath();
        Assert.False(File.Exists(path));

        using DeviceIdentity created = DeviceIdentityStore.LoadOrCreate(path);
        Assert.True(File.Exists(path));
        using DeviceIdentity reloaded = DeviceIdentityStore.LoadOrCreate(path);
        using DeviceIdentity loaded = DeviceIdentityStore.Load(path);

        Assert.Equal(created.SigningPublicKey.ToArray(), reloaded.SigningPublicKey.ToArray());
        Assert.Equal(created.AgreementPublicKey.ToArray(), reloaded.AgreementPublicKey.ToArray());
        Assert.True(created.HasXWing);
        Assert.Equal(created.XWingPublicKey.ToArray(), reloaded.XWingPublicKey.ToArray());
        Assert.Equal(created.XWingPublicKey.ToArray(), loaded.XWingPublicKey.ToArray());
        Assert.Equal(created.Fingerprint, loaded.Fingerprint);
        Assert.True(DeviceIdentity.Verify(created.SigningPublicKey, reloaded.Sign("m"u8), "m"u8));
    }

    [Fact]
    public void A_key_sealed_before_a_restart_opens_after_it()
    {
        string path = _directory.NewIdentityPath();
        byte[] enc, ciphertext, xEnc, xCiphertext;
        using (DeviceIdentity before = DeviceIdentityStore.LoadOrCreate(path))
        {
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, before.AgreementPublicKey, "i"u8, [], "media key"u8, out enc, out ciphertext));
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, before.XWingPublicKey, "i"u8, [], "pq key"u8, out xEnc, out xCiphertext));
        }

        using DeviceIdentity after = DeviceIdentityStore.LoadOrCreate(path);

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, after.AgreementKeyPair, enc, "i"u8, [], ciphertext, out byte[] opened));
        Assert.Equal("media key"u8.ToArray(), opened);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.XWingSha256Aes128Gcm, after.XWingKeyPair!, xEnc, "i"u8, [], xCiphertext, out opened));
        Assert.Equal("pq key"u8.ToArray(), opened);
    }

    [Fact]
    public void The_file_is_0600_and_its_new_directory_0700()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only");
            return;
        }
        string path = _directory.NewIdentityPath(Path.Combine("a", "b"));

        using DeviceIdentity identity = DeviceIdentityStore.LoadOrCreate(path);

        Assert.Equal(Mode0600, File.GetUnixFileMode(path));
        Assert.Equal(DeviceIdentityStore.DirectoryPermissions, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(DeviceIdentityStore.DirectoryPermissions, File.GetUnixFileMode(Path.Combine(_directory.Root, "a")));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));         // no temporary file left
    }

    public static TheoryData<string, int> InsecureModes => new()
    {
        { "world-readable",   0b110_100_100 },                                          // 0644
        { "group-readable",   0b110_100_000 },                                          // 0640
        { "world-writable",   0b110_000_010 },                                          // 0602
        { "group-executable", 0b110_001_000 },                                          // 0610
        { "everything",       0b111_111_111 },                                          // 0777
    };

    [Theory]
    [MemberData(nameof(InsecureModes))]
    public void A_file_others_can_access_is_refused_and_left_alone(string name, int mode)
    {
        Assert.False(string.IsNullOrEmpty(name));
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only");
            return;
        }
        string path = _directory.NewIdentityPath();
        DeviceIdentityStore.LoadOrCreate(path).Dispose();
        byte[] before = File.ReadAllBytes(path);
        File.SetUnixFileMode(path, (UnixFileMode)mode);

        var e = Assert.Throws<DeviceIdentityFileException>(() => DeviceIdentityStore.LoadOrCreate(path));

        Assert.Equal(DeviceIdentityFileError.InsecurePermissions, e.Error);
        Assert.Equal(path, e.Path);
        Assert.Contains($"chmod 600 '{path}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToString(mode, 8), e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal((UnixFileMode)mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_read_only_file_for_the_user_is_accepted()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only");
            return;
        }
        string path = _directory.NewIdentityPath();
        using DeviceIdentity created = DeviceIdentityStore.LoadOrCreate(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead);                              // 0400

        using DeviceIdentity loaded = DeviceIdentityStore.LoadOrCreate(path);

        Assert.Equal(created.Fingerprint, loaded.Fingerprint);
    }

    public static TheoryData<string, string, DeviceIdentityFileError> CorruptFiles => new()
    {
        { "empty",                  "",                                                                                     DeviceIdentityFileError.Malformed },
        { "not JSON",               "garbage",                                                                              DeviceIdentityFileError.Malformed },
        { "binary",                 "\u0001\u0002\u0003",                                                                   DeviceIdentityFileError.Malformed },
        { "array",                  "[1]",                                                                                  DeviceIdentityFileError.Malformed },
        { "unterminated",           $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\"",                                  DeviceIdentityFileError.Malformed },
        { "trailing content",       $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}} {{}}", DeviceIdentityFileError.Malformed },
        { "no version",             $"{{\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}",          DeviceIdentityFileError.Malformed },
        { "version as a string",    $"{{\"version\":\"1\",\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "version twice",          $"{{\"version\":1,\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "version 0",              $"{{\"version\":0,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.UnsupportedVersion },
        { "version 3",              $"{{\"version\":3,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"xwingSeed\":\"{Key32}\"}}", DeviceIdentityFileError.UnsupportedVersion },
        { "version 3, other shape", "{\"version\":3,\"keys\":[{\"alg\":\"ml-dsa\"}]}",                                    DeviceIdentityFileError.UnsupportedVersion },
        { "version 2 without seed", $"{{\"version\":2,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "version 2, other shape", "{\"version\":2,\"keys\":[{\"alg\":\"ml-dsa\"}]}",                                    DeviceIdentityFileError.Malformed },
        { "version 1 with a seed",  $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"xwingSeed\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "seed twice",             $"{{\"version\":2,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"xwingSeed\":\"{Key32}\",\"xwingSeed\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "seed as a number",       $"{{\"version\":2,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"xwingSeed\":7}}", DeviceIdentityFileError.Malformed },
        { "31-byte seed",           $"{{\"version\":2,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"xwingSeed\":\"{Key31}\"}}", DeviceIdentityFileError.InvalidKeyLength },
        { "33-byte seed",           $"{{\"version\":2,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"xwingSeed\":\"{Key33}\"}}", DeviceIdentityFileError.InvalidKeyLength },
        { "no agreement key",       $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\"}}",                                DeviceIdentityFileError.Malformed },
        { "signing key twice",      $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "unknown property",       $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\",\"x\":0}}", DeviceIdentityFileError.Malformed },
        { "key as a number",        $"{{\"version\":1,\"signingPrivateKey\":1,\"agreementPrivateKey\":\"{Key32}\"}}",     DeviceIdentityFileError.Malformed },
        { "key not base64",         $"{{\"version\":1,\"signingPrivateKey\":\"{new string('!', 44)}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
        { "31-byte signing key",    $"{{\"version\":1,\"signingPrivateKey\":\"{Key31}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.InvalidKeyLength },
        { "33-byte agreement key",  $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key33}\"}}", DeviceIdentityFileError.InvalidKeyLength },
        { "empty agreement key",    $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"\"}}",   DeviceIdentityFileError.InvalidKeyLength },
        { "long key",               $"{{\"version\":1,\"signingPrivateKey\":\"{new string('A', 200)}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.InvalidKeyLength },
        { "over 1 KiB",             new string(' ', 1000) + $"{{\"version\":1,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.Malformed },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void A_corrupt_file_gives_a_clear_exception_and_is_not_replaced(string name, string contents, DeviceIdentityFileError error)
    {
        Assert.False(string.IsNullOrEmpty(name));
        string path = _directory.NewIdentityPath();
        byte[] bytes = Encoding.UTF8.GetBytes(contents);
        IdentityTestDirectory.WriteSecret(path, bytes);

        var e = Assert.Throws<DeviceIdentityFileException>(() => DeviceIdentityStore.LoadOrCreate(path));

        Assert.Equal(error, e.Error);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_truncated_file_gives_a_clear_exception()
    {
        string path = _directory.NewIdentityPath();
        DeviceIdentityStore.LoadOrCreate(path).Dispose();
        byte[] whole = File.ReadAllBytes(path);

        foreach (int length in new[] { 1, 20, whole.Length / 2, whole.Length - 4, whole.Length - 3 })
        {
            IdentityTestDirectory.WriteSecret(path, whole.AsSpan(0, length));
            var e = Assert.Throws<DeviceIdentityFileException>(() => DeviceIdentityStore.LoadOrCreate(path));
            Assert.Equal(DeviceIdentityFileError.Malformed, e.Error);
        }
        IdentityTestDirectory.WriteSecret(path, whole.AsSpan(0, whole.Length - 1));     // only the newline gone: still valid
        DeviceIdentityStore.Load(path).Dispose();
    }

    [Fact]
    public void The_file_is_version_2_JSON_with_the_three_private_keys()
    {
        string path = _directory.NewIdentityPath();
        using DeviceIdentity identity = DeviceIdentityStore.LoadOrCreate(path);
        byte[] signing = new byte[32], agreement = new byte[32], xWing = new byte[32];
        identity.ExportPrivateKeys(signing, agreement);
        Assert.True(identity.ExportXWingSeed(xWing));

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(DeviceIdentityFile.Length, file.Length);
        Assert.Equal(209, file.Length);
        using JsonDocument json = JsonDocument.Parse(file);
        Assert.Equal(["version", "signingPrivateKey", "agreementPrivateKey", "xwingSeed"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(signing, json.RootElement.GetProperty("signingPrivateKey").GetBytesFromBase64());
        Assert.Equal(agreement, json.RootElement.GetProperty("agreementPrivateKey").GetBytesFromBase64());
        Assert.Equal(xWing, json.RootElement.GetProperty("xwingSeed").GetBytesFromBase64());
    }

    // Signing: RFC 8032 §7.1 TEST 1. Agreement: RFC 7748 §6.1 Alice, whose clamped scalar is 70 07 … 2c 6a.
    private static readonly byte[] KnownSigning = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static readonly byte[] KnownAgreement = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static readonly byte[] KnownClamped = Convert.FromHexString("70076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c6a");
    private static readonly byte[] KnownSigningPublic = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static readonly byte[] KnownAgreementPublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");

    /// <summary>A version 1 file of the known keys, as written before X-Wing (with `\/` for `/`, key order changed, spaces).</summary>
    private static byte[] KnownVersion1File => Encoding.UTF8.GetBytes(
        $"{{ \"agreementPrivateKey\": \"{Convert.ToBase64String(KnownAgreement).Replace("/", "\\/", StringComparison.Ordinal)}\",\n  \"version\": 1, \"signingPrivateKey\": \"{Convert.ToBase64String(KnownSigning)}\" }}");

    [Fact]
    public void A_known_version_2_file_loads_to_the_known_public_keys_and_is_left_as_it_is()
    {
        byte[] seed = Convert.FromHexString("7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");   // any fixed seed
        using HpkeKeyPair xWing = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, seed);
        string expected = $"{{\"version\":2,\"signingPrivateKey\":\"{Convert.ToBase64String(KnownSigning)}\",\"agreementPrivateKey\":\"{Convert.ToBase64String(KnownClamped)}\",\"xwingSeed\":\"{Convert.ToBase64String(seed)}\"}}\n";
        string path = _directory.NewIdentityPath();
        byte[] file = Encoding.UTF8.GetBytes(
            $"{{ \"xwingSeed\": \"{Convert.ToBase64String(seed)}\", \"agreementPrivateKey\": \"{Convert.ToBase64String(KnownAgreement)}\",\n  \"version\": 2, \"signingPrivateKey\": \"{Convert.ToBase64String(KnownSigning)}\" }}");
        IdentityTestDirectory.WriteSecret(path, file);

        using DeviceIdentity identity = DeviceIdentityStore.Load(path);
        byte[] written = new byte[DeviceIdentityFile.Length];
        DeviceIdentityFile.Write(identity, written);

        Assert.Equal(KnownSigningPublic, identity.SigningPublicKey.ToArray());
        Assert.Equal(KnownAgreementPublic, identity.AgreementPublicKey.ToArray());
        Assert.Equal(xWing.PublicKey.ToArray(), identity.XWingPublicKey.ToArray());
        Assert.Equal(expected, Encoding.UTF8.GetString(written));
        Assert.Equal(file, File.ReadAllBytes(path));                                      // a version 2 file is not rewritten
    }

    [Fact]
    public void A_version_1_file_is_upgraded_in_place_keeping_its_keys_and_gaining_an_X_Wing_seed()
    {
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, KnownVersion1File);

        using DeviceIdentity identity = DeviceIdentityStore.Load(path);

        Assert.Equal(KnownSigningPublic, identity.SigningPublicKey.ToArray());              // the same device to its peers
        Assert.Equal(KnownAgreementPublic, identity.AgreementPublicKey.ToArray());
        Assert.True(identity.HasXWing);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(2, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(KnownSigning, json.RootElement.GetProperty("signingPrivateKey").GetBytesFromBase64());
        Assert.Equal(KnownClamped, json.RootElement.GetProperty("agreementPrivateKey").GetBytesFromBase64());
        using (HpkeKeyPair stored = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, json.RootElement.GetProperty("xwingSeed").GetBytesFromBase64()))
            Assert.Equal(stored.PublicKey.ToArray(), identity.XWingPublicKey.ToArray());
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));         // no slot, snapshot or temporary file left
        if (!OperatingSystem.IsWindows()) Assert.Equal(Mode0600, File.GetUnixFileMode(path));

        // Upgraded once: later loads read the same X-Wing key and leave the file alone.
        byte[] upgraded = File.ReadAllBytes(path);
        using DeviceIdentity again = DeviceIdentityStore.LoadOrCreate(path);
        Assert.Equal(identity.XWingPublicKey.ToArray(), again.XWingPublicKey.ToArray());
        Assert.Equal(upgraded, File.ReadAllBytes(path));
    }

    [Fact]
    public void Threads_racing_to_upgrade_a_version_1_file_all_get_the_same_X_Wing_key()
    {
        const int Threads = 4;
        for (int round = 0; round < 20; round++)
        {
            string path = _directory.NewIdentityPath($"upgrade-race-{round}");
            IdentityTestDirectory.WriteSecret(path, KnownVersion1File);
            DeviceIdentity?[] identities = RaceLoadOrCreate(path, Threads);
            try
            {
                Assert.All(identities, identity => Assert.Equal(KnownSigningPublic, identity!.SigningPublicKey.ToArray()));
                Assert.All(identities, identity => Assert.True(identity!.HasXWing));
                Assert.All(identities, identity => Assert.Equal(identities[0]!.XWingPublicKey.ToArray(), identity!.XWingPublicKey.ToArray()));
                Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));  // the offers that lost are gone
                using DeviceIdentity stored = DeviceIdentityStore.Load(path);
                Assert.Equal(identities[0]!.XWingPublicKey.ToArray(), stored.XWingPublicKey.ToArray());
            }
            finally
            {
                foreach (DeviceIdentity? identity in identities) identity?.Dispose();
            }
        }
    }

    [Fact]
    public void An_upgrade_interrupted_after_its_offer_is_finished_with_the_offered_seed()
    {
        // A process offered a version 2 file at the slot and stopped before renaming it over the file.
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, KnownVersion1File);
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        using DeviceIdentity offered = DeviceIdentity.FromPrivateKeys(KnownSigning, KnownAgreement, seed);
        string slot = DeviceIdentityStore.UpgradeSlotPath(path);
        WriteIdentity(slot, offered);

        using DeviceIdentity identity = DeviceIdentityStore.Load(path);

        Assert.Equal(offered.XWingPublicKey.ToArray(), identity.XWingPublicKey.ToArray());
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
        using DeviceIdentity stored = DeviceIdentityStore.Load(path);
        Assert.Equal(offered.XWingPublicKey.ToArray(), stored.XWingPublicKey.ToArray());
    }

    [Fact]
    public void An_offer_made_after_the_upgrade_is_never_taken()
    {
        // A process that read the version 1 file before the upgrade offers its seed late, after the slot was removed:
        // the file has its X-Wing seed by then, and keeps it.
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, KnownVersion1File);
        using DeviceIdentity upgraded = DeviceIdentityStore.Load(path);
        byte[] file = File.ReadAllBytes(path);
        using DeviceIdentity late = DeviceIdentity.FromPrivateKeys(KnownSigning, KnownAgreement, RandomNumberGenerator.GetBytes(32));
        WriteIdentity(DeviceIdentityStore.UpgradeSlotPath(path), late);

        using DeviceIdentity loaded = DeviceIdentityStore.Load(path);

        Assert.Equal(upgraded.XWingPublicKey.ToArray(), loaded.XWingPublicKey.ToArray());
        Assert.Equal(file, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));         // the late offer is removed
    }

    [Fact]
    public void A_slot_with_another_identity_s_keys_is_refused_and_both_files_are_left_alone()
    {
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, KnownVersion1File);
        using DeviceIdentity stranger = DeviceIdentity.Generate();
        string slot = DeviceIdentityStore.UpgradeSlotPath(path);
        WriteIdentity(slot, stranger);
        byte[] slotBytes = File.ReadAllBytes(slot);

        var e = Assert.Throws<DeviceIdentityFileException>(() => DeviceIdentityStore.LoadOrCreate(path));

        Assert.Equal(DeviceIdentityFileError.UpgradeConflict, e.Error);
        Assert.Equal(slot, e.Path);
        Assert.Contains($"Delete '{slot}'", e.Message, StringComparison.Ordinal);
        Assert.Equal(KnownVersion1File, File.ReadAllBytes(path));
        Assert.Equal(slotBytes, File.ReadAllBytes(slot));
        Assert.Equal(2, Directory.GetFiles(Path.GetDirectoryName(path)!).Length);      // no snapshot or temporary file left

        // Deleting the identity deletes the slot too; the next use makes a new identity.
        Assert.True(DeviceIdentityStore.Delete(path));
        Assert.False(File.Exists(slot));
    }

    [Fact]
    public void A_corrupt_or_insecure_slot_is_reported_under_its_own_name()
    {
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, KnownVersion1File);
        string slot = DeviceIdentityStore.UpgradeSlotPath(path);
        IdentityTestDirectory.WriteSecret(slot, "garbage"u8);

        var e = Assert.Throws<DeviceIdentityFileException>(() => DeviceIdentityStore.Load(path));
        Assert.Equal(DeviceIdentityFileError.Malformed, e.Error);
        Assert.Equal(slot, e.Path);
        Assert.Equal(KnownVersion1File, File.ReadAllBytes(path));
        if (OperatingSystem.IsWindows()) return;

        using DeviceIdentity offered = DeviceIdentity.FromPrivateKeys(KnownSigning, KnownAgreement, RandomNumberGenerator.GetBytes(32));
        WriteIdentity(slot, offered);
        File.SetUnixFileMode(slot, (UnixFileMode)0b110_100_100);                        // 0644
        e = Assert.Throws<DeviceIdentityFileException>(() => DeviceIdentityStore.Load(path));
        Assert.Equal(DeviceIdentityFileError.InsecurePermissions, e.Error);
        Assert.Equal(slot, e.Path);
        Assert.Equal(KnownVersion1File, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_version_1_file_in_a_directory_that_cannot_be_written_loads_without_X_Wing_and_is_left_alone()
    {
        if (OperatingSystem.IsWindows() || Environment.IsPrivilegedProcess)
        {
            Assert.Skip("needs Unix directory modes that bind the process (not root)");
            return;
        }
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, KnownVersion1File);
        string directory = Path.GetDirectoryName(path)!;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute);   // 0500
        try
        {
            using DeviceIdentity identity = DeviceIdentityStore.LoadOrCreate(path);
            Assert.Equal(KnownSigningPublic, identity.SigningPublicKey.ToArray());
            Assert.False(identity.HasXWing);
            Assert.Equal(DevicePublicKeys.Version1Length, DevicePublicKeys.Of(identity).ToBytes().Length);
            Assert.Equal(KnownVersion1File, File.ReadAllBytes(path));
        }
        finally
        {
            File.SetUnixFileMode(directory, DeviceIdentityStore.DirectoryPermissions);
        }
        using DeviceIdentity later = DeviceIdentityStore.Load(path);                   // writable again: upgraded now
        Assert.True(later.HasXWing);
    }

    /// <summary>Writes <paramref name="identity"/> as a version 2 file at <paramref name="path"/>, 0600.</summary>
    private static void WriteIdentity(string path, DeviceIdentity identity)
    {
        byte[] file = new byte[DeviceIdentityFile.Length];
        DeviceIdentityFile.Write(identity, file);
        IdentityTestDirectory.WriteSecret(path, file);
    }

    /// <summary><paramref name="threads"/> threads calling LoadOrCreate on <paramref name="path"/> at once; fails on any exception.</summary>
    private static DeviceIdentity?[] RaceLoadOrCreate(string path, int threads)
    {
        var identities = new DeviceIdentity?[threads];
        var failures = new Exception?[threads];
        using var barrier = new Barrier(threads);
        Thread[] all = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            int index = i;
            all[i] = new Thread(() =>
            {
                try
                {
                    barrier.SignalAndWait();
                    identities[index] = DeviceIdentityStore.LoadOrCreate(path);
                }
                catch (Exception e)
                {
                    failures[index] = e;
                }
            });
            all[i].Start();
        }
        foreach (Thread thread in all) thread.Join();
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            foreach (DeviceIdentity? identity in identities) identity?.Dispose();
            throw new InvalidOperationException("a racing load failed", failure);
        }
        return identities;
    }

    [Fact]
    public void Threads_racing_to_create_the_identity_all_get_the_same_one()
    {
        const int Threads = 4;
        for (int round = 0; round < 20; round++)
        {
            string path = _directory.NewIdentityPath($"race-{round}");
            var identities = new DeviceIdentity?[Threads];
            var failures = new Exception?[Threads];
            using var barrier = new Barrier(Threads);
            Thread[] threads = new Thread[Threads];
            for (int i = 0; i < Threads; i++)
            {
                int index = i;
                threads[i] = new Thread(() =>
                {
                    try
                    {
                        barrier.SignalAndWait();
                        identities[index] = DeviceIdentityStore.LoadOrCreate(path);
                    }
                    catch (Exception e)
                    {
                        failures[index] = e;
                    }
                });
                threads[i].Start();
            }
            foreach (Thread thread in threads) thread.Join();

            try
            {
                Assert.All(failures, Assert.Null);
                Assert.All(identities, identity => Assert.Equal(identities[0]!.Fingerprint, identity!.Fingerprint));
                Assert.All(identities, identity => Assert.Equal(identities[0]!.AgreementPublicKey.ToArray(), identity!.AgreementPublicKey.ToArray()));
                Assert.All(identities, identity => Assert.Equal(identities[0]!.XWingPublicKey.ToArray(), identity!.XWingPublicKey.ToArray()));
                Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));  // the losers' temporary files are gone
                using DeviceIdentity stored = DeviceIdentityStore.Load(path);
                Assert.Equal(identities[0]!.Fingerprint, stored.Fingerprint);
            }
            finally
            {
                foreach (DeviceIdentity? identity in identities) identity?.Dispose();
            }
        }
    }

    [Fact]
    public void A_hard_link_never_replaces_an_existing_file()
    {
        // File.Move(overwrite: false) on Unix is lstat + rename(2), which replaced the winner's file in the race above.
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("hard links are the Unix publish path");
            return;
        }
        string source = Path.Combine(_directory.Root, "source"), target = Path.Combine(_directory.Root, "target");
        File.WriteAllText(source, "new");
        File.WriteAllText(target, "old");

        Assert.Equal(UnixHardLink.LinkResult.Exists, UnixHardLink.TryLink(source, target));
        Assert.Equal("old", File.ReadAllText(target));
        File.Delete(target);
        Assert.Equal(UnixHardLink.LinkResult.Linked, UnixHardLink.TryLink(source, target));
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void Delete_removes_the_file_and_the_next_use_makes_a_new_identity()
    {
        string path = _directory.NewIdentityPath();
        using DeviceIdentity first = DeviceIdentityStore.LoadOrCreate(path);

        Assert.True(DeviceIdentityStore.Delete(path));
        Assert.False(File.Exists(path));
        Assert.False(DeviceIdentityStore.Delete(path));
        using DeviceIdentity second = DeviceIdentityStore.LoadOrCreate(path);

        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
    }

    [Fact]
    public void Load_of_a_missing_file_throws_and_creates_nothing()
    {
        string path = _directory.NewIdentityPath();

        Assert.ThrowsAny<IOException>(() => DeviceIdentityStore.Load(path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public void The_default_path_is_under_local_application_data()
    {
        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);

        Assert.Equal(Path.Combine(local, "Conclave", "device-identity.json"), DeviceIdentityStore.DefaultPath);
    }
}
