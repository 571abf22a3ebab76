namespace Gateway.KeyVault.Tenants;

internal sealed record TenantRecord(string Id, string DisplayName, DateTime CreatedAt);

internal enum TenantCreateOutcome
{
    Created,
    /// <summary>The id was taken and the caller asked for the existing tenant.</summary>
    Existing,
    AlreadyExists,
}
