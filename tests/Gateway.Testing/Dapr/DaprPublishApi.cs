using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Gateway.Testing.Dapr;

/// <summary>The publishing part of the sidecar's gRPC API (<c>dapr.proto.runtime.v1.Dapr</c>), served from Dapr.Protos'
/// message types without Dapr's .proto files.</summary>
internal sealed class DaprPublishApi(FakeDaprSidecar sidecar)
{
    public const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    public Task<Empty> PublishEvent(PublishEventRequest request)
    {
        sidecar.CheckPublish(request.PubsubName, request.Topic);
        sidecar.Accept(request.PubsubName, request.Topic, request.Data.Memory,
            string.IsNullOrEmpty(request.DataContentType) ? "application/json" : request.DataContentType,
            new Dictionary<string, string>(request.Metadata));
        return Task.FromResult(new Empty());
    }

    /// <summary>DaprClient.BulkPublishEventAsync calls BulkPublishEvent (falling back to the Alpha1 name); both land here.</summary>
    public Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request)
    {
        sidecar.CheckPublish(request.PubsubName, request.Topic);
        foreach (var entry in request.Entries)
        {
            var metadata = new Dictionary<string, string>(request.Metadata);
            foreach (var (key, value) in entry.Metadata)
            {
                metadata[key] = value;
            }

            sidecar.Accept(request.PubsubName, request.Topic, entry.Event.Memory,
                string.IsNullOrEmpty(entry.ContentType) ? "application/json" : entry.ContentType, metadata);
        }

        return Task.FromResult(new BulkPublishResponse());
    }
}

/// <summary>Binds <see cref="DaprPublishApi"/>'s methods under Dapr's gRPC method names.</summary>
internal sealed class DaprPublishMethods : IServiceMethodProvider<DaprPublishApi>
{
    private static readonly Method<PublishEventRequest, Empty> PublishEvent = Unary<PublishEventRequest, Empty>(
        "PublishEvent", PublishEventRequest.Parser, Empty.Parser);

    private static readonly Method<BulkPublishRequest, BulkPublishResponse> BulkPublishEvent =
        Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEvent", BulkPublishRequest.Parser, BulkPublishResponse.Parser);

    private static readonly Method<BulkPublishRequest, BulkPublishResponse> BulkPublishEventAlpha1 =
        Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEventAlpha1", BulkPublishRequest.Parser, BulkPublishResponse.Parser);

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprPublishApi> context)
    {
        context.AddUnaryMethod(PublishEvent, [], (api, request, _) => api.PublishEvent(request));
        context.AddUnaryMethod(BulkPublishEvent, [], (api, request, _) => api.BulkPublishEvent(request));
        context.AddUnaryMethod(BulkPublishEventAlpha1, [], (api, request, _) => api.BulkPublishEvent(request));
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> requestParser,
        MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, DaprPublishApi.ServiceName, name,
            Marshallers.Create(message => message.ToByteArray(), requestParser.ParseFrom),
            Marshallers.Create(message => message.ToByteArray(), responseParser.ParseFrom));
}
