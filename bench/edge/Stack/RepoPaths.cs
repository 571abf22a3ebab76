namespace Gateway.Bench.Edge.Stack;

/// <summary>Where the repository and the services' build output are, found from this program's own location.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration this program was built in (bin/&lt;Configuration&gt;/net10.0/); the service
    /// projects it references were built in the same one.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";

    public static string ServiceDll(string name) =>
        Path.Combine(Root, "services", name, "bin", Configuration, "net10.0", $"Gateway.{name}.dll");

    public static string AnalyticsBenchDll =>
        Path.Combine(Root, "bench", "analytics", "bin", Configuration, "net10.0", "Gateway.Bench.Analytics.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }
}
