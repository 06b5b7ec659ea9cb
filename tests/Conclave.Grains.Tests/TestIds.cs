namespace Conclave.Grains.Tests;

/// <summary>Unique names, because every test shares one cluster and one state directory.</summary>
public static class TestIds
{
    /// <summary>A fresh id such as <c>room-3f2a…</c>.</summary>
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
