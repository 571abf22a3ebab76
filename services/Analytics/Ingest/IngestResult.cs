namespace Gateway.Analytics.Ingest;

/// <summary>What one batch did: events applied now, and events whose id had already been applied (ignored).</summary>
internal readonly record struct IngestResult(int Accepted, int Duplicates);
