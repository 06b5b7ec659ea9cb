using Conclave.MediaServer.Hosting;

WebApplication app = ConclaveHost.Build(args);
try
{
    await app.RunAsync();
}
catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException or Microsoft.AspNetCore.Connections.AddressInUseException)
{
    await Console.Error.WriteLineAsync($"error: cannot listen: {e.Message}. Another process uses the port; set Conclave__Listen__Http / Conclave__Listen__Https (docs/configuration.md).");
    return 1;
}
return 0;

/// <summary>Entry point type, visible to tests.</summary>
public partial class Program;
