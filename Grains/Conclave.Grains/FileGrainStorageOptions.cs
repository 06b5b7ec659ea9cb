using Orleans.Storage;

namespace Conclave.Grains;

/// <summary>Options of <see cref="FileGrainStorage"/>.</summary>
public sealed class FileGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>The directory holding one file per grain state; created when first written. Required.</summary>
    public string RootDirectory { get; set; } = "";

    /// <summary>
    /// How state is turned into bytes. Left null, the silo's default <see cref="IGrainStorageSerializer"/> is used
    /// (the same one the Azure providers use), so state written by either kind of provider has the same shape.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
