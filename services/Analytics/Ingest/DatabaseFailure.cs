using Npgsql;

namespace Gateway.Analytics.Ingest;

internal static class DatabaseFailure
{
    /// <summary>True for failures of the database rather than of the input (unreachable, restarting, timed out):
    /// the caller should retry later, and nothing was committed.</summary>
    public static bool IsTransient(Exception exception) => exception is NpgsqlException or TimeoutException;
}
