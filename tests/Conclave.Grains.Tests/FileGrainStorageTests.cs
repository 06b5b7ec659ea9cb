using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Conclave.Grains.Tests;

/// <summary>Unit tests of <see cref="FileGrainStorage"/> on a private temporary directory, with both Orleans serializers.</summary>
public sealed partial class FileGrainStorageTests : IDisposable
{
    private readonly string _sandbox = Path.Combine(Path.GetTempPath(), "conclave-file-storage-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _services; // Owned

    public FileGrainStorageTests()
    {
        Directory.CreateDirectory(_sandbox);
        _services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(RoomState).Assembly)).BuildServiceProvider();
    }

    private string Root => Path.Combine(_sandbox, "state");

    public static TheoryData<string> Serializers => new() { "json", "orleans" };

    [Theory]
    [MemberData(nameof(Serializers))]
    public async Task WriteReadClearRoundTrip(string serializer)
    {
        var storage = CreateStorage(serializer);
        var id = GrainId.Create("room", "round-trip");
        var created = DateTimeOffset.UtcNow;
        var room = new RoomInfo("round-trip", "owner", Locked: true,
            new[] { new RoomMember("owner", RoomRole.Owner, created), new RoomMember("guest", RoomRole.Member, created) }, created);
        var written = new GrainState<RoomState> { State = new RoomState { Room = room } };

        await storage.WriteStateAsync("room", id, written);
        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists);

        var read = new GrainState<RoomState>();
        await storage.ReadStateAsync("room", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(room with { Members = [] }, read.State!.Room! with { Members = [] });
        Assert.Equal(room.Members, read.State!.Room!.Members);

        await storage.ClearStateAsync("room", id, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.False(File.Exists(storage.GetFilePath("room", id)));

        var afterClear = new GrainState<RoomState>();
        await storage.ReadStateAsync("room", id, afterClear);
        Assert.False(afterClear.RecordExists);
        Assert.Null(afterClear.ETag);
        Assert.NotNull(afterClear.State);
        Assert.Null(afterClear.State!.Room);
        Assert.Empty(Directory.GetFiles(Root, "*.tmp"));
    }

    [Fact]
    public async Task StaleETagRaisesInconsistentStateException()
    {
        var storage = CreateStorage("json");
        var id = GrainId.Create("user", "conflict");
        var first = new GrainState<UserState> { State = new UserState { Exists = true, DisplayName = "one" } };
        await storage.WriteStateAsync("user", id, first);
        var second = new GrainState<UserState>();
        await storage.ReadStateAsync("user", id, second);

        first.State = first.State! with { DisplayName = "two" };
        await storage.WriteStateAsync("user", id, first);
        Assert.NotEqual(second.ETag, first.ETag);

        second.State = second.State! with { DisplayName = "lost update" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", id, second));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("user", id, second));
        var blind = new GrainState<UserState> { State = new UserState { DisplayName = "never read" } };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", id, blind));

        var check = new GrainState<UserState>();
        await storage.ReadStateAsync("user", id, check);
        Assert.Equal("two", check.State!.DisplayName);

        await storage.ClearStateAsync("user", id, first);
        second.ETag = check.ETag; // a writer that still believes the deleted record exists
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", id, second));
    }

    [Fact]
    public async Task HostileGrainIdsProduceSafeFileNames()
    {
        var storage = CreateStorage("json");
        string[] keys =
        [
            "../../escape", "..", ".", "/etc/passwd", "a/b\\c", "C:\\Windows\\system32", "CON", "nul.txt", "x\0y",
            "line\nbreak", "名前🙂", " padded ", new string('k', 5000), "Case", "case",
        ];
        var ids = keys.Select(k => GrainId.Create("room", k)).Append(GrainId.Create("../evil/type", "key")).ToArray();

        for (int i = 0; i < ids.Length; i++)
        {
            await storage.WriteStateAsync("../state", ids[i], new GrainState<UserState> { State = new UserState { DisplayName = $"value {i}" } });
        }

        Assert.Equal([Root], Directory.GetFileSystemEntries(_sandbox));
        var names = Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).ToArray();
        Assert.Equal(ids.Length, names.Length);
        Assert.All(names, name => Assert.Matches(SafeFileName(), name!));
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal(Root, Path.GetDirectoryName(storage.GetFilePath("../state", ids[i])));
            var read = new GrainState<UserState>();
            await storage.ReadStateAsync("../state", ids[i], read);
            Assert.Equal($"value {i}", read.State!.DisplayName);
        }
    }

    [Fact]
    public async Task CorruptFileIsReportedNotMistakenForEmptyState()
    {
        var storage = CreateStorage("json");
        var id = GrainId.Create("room", "corrupt");
        await storage.WriteStateAsync("room", id, new GrainState<RoomState> { State = new RoomState() });
        await File.WriteAllTextAsync(storage.GetFilePath("room", id), "not a grain state file", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync("room", id, new GrainState<RoomState>()));
    }

    [Fact]
    public async Task StateNamesKeepGrainStatesApart()
    {
        var storage = CreateStorage("orleans");
        var id = GrainId.Create("user", "same-key");
        await storage.WriteStateAsync("a", id, new GrainState<UserState> { State = new UserState { DisplayName = "a" } });
        await storage.WriteStateAsync("b", id, new GrainState<UserState> { State = new UserState { DisplayName = "b" } });

        var a = new GrainState<UserState>();
        await storage.ReadStateAsync("a", id, a);
        Assert.Equal("a", a.State!.DisplayName);
        Assert.NotEqual(storage.GetFilePath("a", id), storage.GetFilePath("b", id));
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_sandbox, recursive: true);
    }

    private FileGrainStorage CreateStorage(string serializer)
    {
        IGrainStorageSerializer grainStorageSerializer = serializer == "json"
            ? new JsonGrainStorageSerializer(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions())))
            : new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>());
        var options = new FileGrainStorageOptions { RootDirectory = Root, GrainStorageSerializer = grainStorageSerializer };
        return new FileGrainStorage("test", options, _services.GetRequiredService<IActivatorProvider>());
    }

    [GeneratedRegex(@"^[a-z0-9-]{1,40}-[0-9a-f]{64}\.grain$")]
    private static partial Regex SafeFileName();
}
