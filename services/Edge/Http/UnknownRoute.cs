using Gateway.Edge.Errors;

namespace Gateway.Edge.Http;

/// <summary>A path outside every API (and outside <c>/v1</c>, which passthrough takes) gets the same OpenAI-style JSON
/// error as every other gateway answer, rather than routing's empty 404 or 405.</summary>
internal static class UnknownRoute
{
    public static void Map(WebApplication app) =>
        app.MapFallback("{**path}", static context => ErrorWriter.WriteAsync(context.Response, GatewayError.UnknownRoute(), context.RequestAborted));
}
