namespace Conclave.E2ee.Tests;

/// <summary>
/// Tests that count the whole process's allocations (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), because the code
/// under test works on more than one thread. xUnit runs this collection after the others, with nothing beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCountingCollection
{
    public const string Name = "Allocation counting";
}
