using System.Diagnostics;

namespace Gateway.Testing;

internal static class ProcessRunner
{
    /// <summary>True when this process runs as root; PostgreSQL then has to run as the 'postgres' user.</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static Process Start(string fileName, IEnumerable<string> arguments, string? runAsUser = null)
    {
        var info = runAsUser is null ? new ProcessStartInfo(fileName) : new ProcessStartInfo("runuser");
        if (runAsUser is not null)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(runAsUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
    }

    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, string? runAsUser = null)
    {
        using var process = Start(fileName, arguments, runAsUser);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    /// <summary>Finds an executable on PATH or in one of the extra directories.</summary>
    public static string Find(string name, params string[] extraDirectories)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':').Concat(extraDirectories))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"'{name}' was not found. Install it (apt-get install redis-server postgresql).");
    }
}
