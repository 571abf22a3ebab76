using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Edge.Messages;

internal static class MessagesEndpoints
{
    /// <summary>Maps <c>POST /v1/messages</c> and <c>POST /v1/messages/count_tokens</c> (Anthropic format).</summary>
    public static WebApplication MapMessages(this WebApplication app)
    {
        var handler = ActivatorUtilities.CreateInstance<MessagesHandler>(app.Services);
        app.MapPost(MessagesHandler.Route, handler.HandleAsync);
        app.MapPost(MessagesHandler.CountTokensRoute, handler.HandleCountTokensAsync);
        return app;
    }
}
