using System.Globalization;
using Pipeline.Functions;

// Started by the Functions host (host.json customHandler) with the port to listen on.
var portText = Environment.GetEnvironmentVariable(HandlerApp.PortVariable);
if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    await Console.Error.WriteLineAsync($"{HandlerApp.PortVariable} must be a TCP port (the Functions host sets it); got '{portText}'.");
    return 2;
}

var app = HandlerApp.Build(args, new HandlerOptions { Port = port });
await app.RunAsync();
return 0;
