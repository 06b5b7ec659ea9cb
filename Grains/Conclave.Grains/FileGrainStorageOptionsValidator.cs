namespace Conclave.Grains;

/// <summary>Fails silo start when a <see cref="FileGrainStorage"/> has no root directory.</summary>
internal sealed class FileGrainStorageOptionsValidator(FileGrainStorageOptions options, string name) : IConfigurationValidator
{
    /// <inheritdoc />
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.RootDirectory))
        {
            throw new OrleansConfigurationException($"File grain storage '{name}': {nameof(FileGrainStorageOptions.RootDirectory)} is required.");
        }
    }
}
