namespace Conclave.Grains.Tests;

/// <summary>Test classes in this collection share one <see cref="ClusterFixture"/> and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "grain cluster";
}
