using System.Buffers;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Gateway.Edge.Providers.OpenAiCompatible;

namespace Gateway.Edge.Providers.Azure;

/// <summary>Builds an Azure OpenAI chat completions URL from a virtual key: the resource root (<c>base_url</c>, else
/// <c>https://{resource}.openai.azure.com</c>), then either the deployment path with <c>?api-version=</c> or, for
/// <c>api_version: v1</c>, the version-less v1 API that takes the model from the body.</summary>
internal static class AzureOpenAiUri
{
    public const string Provider = "azure-openai";
    public const string ResourceExtra = "resource";
    public const string DeploymentExtra = "deployment";
    public const string ApiVersionExtra = "api_version";
    private const string V1ApiVersion = "v1";

    /// <summary>Azure resource names: letters, digits and hyphens. Anything else could move the request to another
    /// host (a resource of <c>evil.example/x?</c> would), so it is refused rather than escaped.</summary>
    private static readonly SearchValues<char> ResourceChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    private static readonly SearchValues<char> ApiVersionChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

    public static Outcome<Uri> Build(ProviderTarget target, AzureOpenAiOptions options)
    {
        var apiVersion = target.Extras.TryGetValue(ApiVersionExtra, out var fromKey) && fromKey.Length > 0 ? fromKey : options.ApiVersion;
        if (apiVersion.Length > 32 || apiVersion.AsSpan().ContainsAnyExcept(ApiVersionChars))
        {
            return ProviderConfigurationError.InvalidExtra(Provider, ApiVersionExtra,
                "use an Azure OpenAI API version such as '2024-10-21' (letters, digits, '.' and '-').");
        }

        string root;
        if (target.BaseUrl.Length > 0)
        {
            root = ResourceRoot(target.BaseUrl);
        }
        else if (target.Extras.TryGetValue(ResourceExtra, out var resource) && resource.Length > 0)
        {
            if (resource.Length > 64 || resource.AsSpan().ContainsAnyExcept(ResourceChars))
            {
                return ProviderConfigurationError.InvalidExtra(Provider, ResourceExtra,
                    "an Azure resource name has only letters, digits and '-' (at most 64 characters).");
            }

            root = $"https://{resource}.{options.ResourceDomain}";
        }
        else
        {
            return ProviderConfigurationError.MissingExtra(Provider, ResourceExtra,
                "set extras.resource to the Azure OpenAI resource name, or base_url to 'https://<resource>.openai.azure.com'.");
        }

        string url;
        if (apiVersion.Equals(V1ApiVersion, StringComparison.OrdinalIgnoreCase))
        {
            url = root + "/openai/v1" + OpenAiWire.ChatCompletionsPath;
        }
        else if (target.Extras.TryGetValue(DeploymentExtra, out var deployment) && deployment.Length > 0)
        {
            url = $"{root}/openai/deployments/{Uri.EscapeDataString(deployment)}{OpenAiWire.ChatCompletionsPath}?api-version={apiVersion}";
        }
        else
        {
            return ProviderConfigurationError.MissingExtra(Provider, DeploymentExtra,
                "set extras.deployment to the name of the Azure deployment to call (or api_version to 'v1' to name the model in the body).");
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && OpenAiWire.IsHttp(uri)
            ? uri
            : GatewayError.UpstreamInvalidUrl(Provider);
    }

    /// <summary>Accepts the resource endpoint as the Azure portal shows it, with or without a trailing <c>/openai</c>.</summary>
    private static string ResourceRoot(string baseUrl)
    {
        var root = baseUrl.AsSpan().TrimEnd('/');
        if (root.EndsWith("/openai", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^"/openai".Length];
        }

        return root.ToString();
    }
}
