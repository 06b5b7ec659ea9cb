using System.Text;
using System.Text.Json;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Identity;

/// <summary>
/// The identity file: made once, reloaded thereafter, 0600 in a 0700 directory (Unix), refused when others can access
/// it or when it is corrupt (and then left untouched), and created once when threads race.
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
        Assert.Equal(created.Fingerprint, loaded.Fingerprint);
        Assert.True(DeviceIdentity.Verify(created.SigningPublicKey, reloaded.Sign("m"u8), "m"u8));
    }

    [Fact]
    public void A_key_sealed_before_a_restart_opens_after_it()
    {
        string path = _directory.NewIdentityPath();
        byte[] enc, ciphertext;
        using (DeviceIdentity before = DeviceIdentityStore.LoadOrCreate(path))
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, before.AgreementPublicKey, "i"u8, [], "media key"u8, out enc, out ciphertext));

        using DeviceIdentity after = DeviceIdentityStore.LoadOrCreate(path);

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, after.AgreementKeyPair, enc, "i"u8, [], ciphertext, out byte[] opened));
        Assert.Equal("media key"u8.ToArray(), opened);
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
        { "version 2",              $"{{\"version\":2,\"signingPrivateKey\":\"{Key32}\",\"agreementPrivateKey\":\"{Key32}\"}}", DeviceIdentityFileError.UnsupportedVersion },
        { "version 2, other shape", "{\"version\":2,\"keys\":[{\"alg\":\"ml-dsa\"}]}",                                    DeviceIdentityFileError.UnsupportedVersion },
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
    public void The_file_is_version_1_JSON_with_the_two_private_keys()
    {
        string path = _directory.NewIdentityPath();
        using DeviceIdentity identity = DeviceIdentityStore.LoadOrCreate(path);
        byte[] signing = new byte[32], agreement = new byte[32];
        identity.ExportPrivateKeys(signing, agreement);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(["version", "signingPrivateKey", "agreementPrivateKey"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(signing, json.RootElement.GetProperty("signingPrivateKey").GetBytesFromBase64());
        Assert.Equal(agreement, json.RootElement.GetProperty("agreementPrivateKey").GetBytesFromBase64());
    }

    [Fact]
    public void A_known_file_loads_to_the_known_public_keys()
    {
        // Signing: RFC 8032 §7.1 TEST 1. Agreement: RFC 7748 §6.1 Alice, whose clamped scalar is 70 07 … 2c 6a.
        byte[] signing = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] agreement = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] clamped = Convert.FromHexString("70076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c6a");
        string expected = $"{{\"version\":1,\"signingPrivateKey\":\"{Convert.ToBase64String(signing)}\",\"agreementPrivateKey\":\"{Convert.ToBase64String(clamped)}\"}}\n";
        string path = _directory.NewIdentityPath();
        IdentityTestDirectory.WriteSecret(path, Encoding.UTF8.GetBytes(
            $"{{ \"agreementPrivateKey\": \"{Convert.ToBase64String(agreement).Replace("/", "\\/", StringComparison.Ordinal)}\",\n  \"version\": 1, \"signingPrivateKey\": \"{Convert.ToBase64String(signing)}\" }}"));

        using DeviceIdentity identity = DeviceIdentityStore.Load(path);
        byte[] written = new byte[DeviceIdentityFile.Length];
        DeviceIdentityFile.Write(identity, written);

        Assert.Equal(Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), identity.SigningPublicKey.ToArray());
        Assert.Equal(Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), identity.AgreementPublicKey.ToArray());
        Assert.Equal(expected, Encoding.UTF8.GetString(written));
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
