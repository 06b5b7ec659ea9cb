namespace Conclave.Grains;

/// <summary>Names of the Orleans providers the grains depend on; the host registers them.</summary>
public static class StorageNames
{
    /// <summary>The grain storage provider holding rooms, users, invitations and the token issuer.</summary>
    public const string State = "conclave";
}
