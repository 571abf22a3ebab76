namespace Gateway.Edge.Providers;

/// <summary>The chat providers this Edge can call, by name.</summary>
internal sealed class ProviderRegistry(IEnumerable<IChatProvider> providers)
{
    private readonly Dictionary<string, IChatProvider> _byName = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public bool TryGet(string name, out IChatProvider provider) => _byName.TryGetValue(name, out provider!);
}
