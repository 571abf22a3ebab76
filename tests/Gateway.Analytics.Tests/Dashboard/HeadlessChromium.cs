using System.Diagnostics;

namespace Gateway.Analytics.Tests.Dashboard;

/// <summary>Runs the Debian <c>chromium</c> package headless against a URL: renders the DOM after the page's
/// scripts ran (<c>--virtual-time-budget</c> lets fetches and timers finish) or saves a screenshot.</summary>
internal static class HeadlessChromium
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>The serialized DOM after the page settled.</summary>
    public static async Task<string> DumpDomAsync(Uri url) => (await RunAsync(url, "--dump-dom")).Stdout;

    public static async Task ScreenshotAsync(Uri url, string path)
    {
        var (_, stderr) = await RunAsync(url, "--screenshot=" + path);
        Assert.True(File.Exists(path), $"chromium wrote no screenshot: {stderr}");
    }

    private static async Task<(string Stdout, string Stderr)> RunAsync(Uri url, string mode)
    {
        var profile = Directory.CreateTempSubdirectory("dashboard-chromium-");
        try
        {
            var info = new ProcessStartInfo(Find())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. A fresh profile per run, so
            // no session cookie leaks from one run into the next.
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile.FullName,
                         "--window-size=1280,900", "--virtual-time-budget=5000", mode, url.ToString()])
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException("chromium did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Deadline);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within {Deadline}: {await stderr}");
            }

            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await stderr}");
            return (await stdout, await stderr);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static string Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':'))
        {
            foreach (var name in (string[])["chromium", "chromium-browser"])
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException("'chromium' was not found. Install it (apt-get install chromium); .ci/run does.");
    }
}
