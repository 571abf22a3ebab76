using System.Globalization;
using System.Text.Json;

namespace Gateway.Bench.Edge.Stack;

/// <summary>Which Edge build ran (its dll's write time) and with which GC, so a results file can be tied to the code
/// and settings that produced it.</summary>
internal static class EdgeBuildInfo
{
    public static string Describe(string? edgeDll)
    {
        var dll = edgeDll ?? RepoPaths.ServiceDll("Edge");
        var built = File.GetLastWriteTimeUtc(dll).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return $"Edge build {(edgeDll is null ? RepoPaths.Configuration : dll)} of {built} UTC, {GcMode(Path.ChangeExtension(dll, ".runtimeconfig.json"))} GC";
    }

    private static string GcMode(string runtimeConfig)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(runtimeConfig));
        var server = json.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
            && properties.TryGetProperty("System.GC.Server", out var value) && value.ValueKind == JsonValueKind.True;
        return server ? "server" : "workstation";
    }
}
