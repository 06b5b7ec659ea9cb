using Azure.Data.Tables;
using Orleans.TestingHost;

namespace Conclave.Grains.Tests;

/// <summary>
/// Grain state in Azure Table storage (the clustered deployment's provider), against Azurite or a real account given in
/// <c>CONCLAVE_TEST_AZURE_STORAGE</c>. A missing emulator fails the test: it is part of the suite, not optional.
/// </summary>
public sealed class AzureTableStorageTests
{
    private const string ConnectionVariable = "CONCLAVE_TEST_AZURE_STORAGE";

    [Fact]
    public async Task RoomAndUserStateSurviveDeactivationInAzureTableStorage()
    {
        string connectionString = Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } value ? value : "UseDevelopmentStorage=true";
        string table = "conclavetest" + Guid.NewGuid().ToString("N")[..16];
        var service = new TableServiceClient(connectionString, new TableClientOptions
        {
            Retry = { MaxRetries = 1, NetworkTimeout = TimeSpan.FromSeconds(10) },
        });
        try
        {
            await service.CreateTableIfNotExistsAsync(table, TestContext.Current.CancellationToken);
        }
        catch (Exception ex)
        {
            Assert.Fail(
                $"Azure Table storage is not reachable ({ConnectionVariable} or UseDevelopmentStorage=true): {ex.GetType().Name}: {ex.Message}. "
                + "Run the tests with the README test command (scripts/test.sh), which starts Azurite, or start Azurite yourself "
                + "(azurite-table --tableHost 127.0.0.1 --tablePort 10002).");
        }

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo.AddAzureTableGrainStorage(StorageNames.State, o =>
        {
            o.TableServiceClient = new TableServiceClient(connectionString);
            o.TableName = table;
        }));
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync(TestContext.Current.CancellationToken);
            string owner = TestIds.New("owner"), member = TestIds.New("member");
            var room = cluster.Client.GetGrain<IRoomGrain>(TestIds.New("room"));
            var user = cluster.Client.GetGrain<IUserGrain>(member);
            Assert.Equal(RoomStatus.Ok, (await room.CreateAsync(owner)).Status);
            Assert.Equal(RoomStatus.Ok, (await room.AddMemberAsync(member, RoomRole.Host)).Status);
            Assert.Equal(RoomStatus.Ok, (await room.SetLockedAsync(true)).Status);
            await user.SetDisplayNameAsync("Member");
            await user.RegisterDeviceAsync("phone", [7, 7, 7]);
            var before = (await room.GetAsync()).Room!;

            await cluster.DeactivateAsync(room);
            await cluster.DeactivateAsync(user);

            var after = (await room.GetAsync()).Room!;
            Assert.Equal(before with { Members = [] }, after with { Members = [] });
            Assert.Equal(before.Members, after.Members);
            Assert.Equal(new JoinDecision(RoomStatus.Ok, RoomRole.Host), await room.CheckJoinAsync(member));
            var profile = await user.GetAsync();
            Assert.Equal("Member", profile.DisplayName);
            Assert.Equal([7, 7, 7], profile.Devices["phone"]);
            Assert.Equal(RoomStatus.AlreadyExists, (await room.CreateAsync(owner)).Status);
        }
        finally
        {
            await cluster.StopAllSilosAsync(CancellationToken.None);
            await cluster.DisposeAsync();
            await service.DeleteTableAsync(table, CancellationToken.None);
        }
    }
}
