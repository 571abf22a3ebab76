using System.Text;
using System.Text.Json;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>The hostile requests: a fixed corpus of known-nasty inputs on every endpoint, and a seeded random
/// generator that mutates valid bodies and headers (same seed, same requests).</summary>
internal sealed class HostileCorpus(HostileEdge edge)
{
    private static readonly string[] WrongValues =
    [
        "null", "true", "0", "-1", "1.5", "\"\"", "\"   \"", "[]", "{}", "[1,2]", "{\"a\":1}", "\"x\"", "1e400", "-1e400",
        "123456789012345678901234567890", "-0", "1e-400", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "[[[[[]]]]]",
        "\"" + new string('m', 300) + "\"", "9223372036854775808", "-9223372036854775809", "\"NaN\"", "\"Infinity\"",
    ];

    /// <summary>Tokens that make JSON invalid or odd where they are inserted.</summary>
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "\"", ":", ",", "NaN", "Infinity", "-Infinity", "undefined", "1e999999", "\\", "\\u", "\\ud800",
        "/*c*/", "//c\n", "'single'", "\u0001", "\t", "\u00a0", "\u2028", "\uFEFF", "0x10", "+1", ".5", "01", "tru", "nul",
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xC3, 0x28], [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0x80], [0xBF, 0xBF],
    ];

    private readonly IReadOnlyList<HostileEndpoint> _endpoints = HostileEndpoint.All(edge);

    public IReadOnlyList<HostileEndpoint> Endpoints => _endpoints;

    /// <summary>Every fixed case: broken bodies on every endpoint, oversized bodies, wrong content types, bad keys,
    /// gateway headers out of bounds, header floods and odd methods and paths.</summary>
    public List<HostileCase> Fixed()
    {
        var cases = new List<HostileCase>();
        foreach (var endpoint in _endpoints)
        {
            var name = endpoint.Path + "[" + endpoint.VirtualKey[..endpoint.VirtualKey.IndexOf('-', StringComparison.Ordinal)] + "]";
            foreach (var (label, body) in BrokenBodies(endpoint))
            {
                cases.Add(Post(name + " " + label, endpoint, body));
            }

            foreach (var field in endpoint.Fields)
            {
                foreach (var wrong in WrongValues)
                {
                    cases.Add(Post($"{name} {field.Key}={Shorten(wrong)}", endpoint, Utf8(endpoint.Json(endpoint.With(field.Key, wrong)))));
                }

                cases.Add(Post($"{name} duplicate {field.Key}", endpoint, Utf8(endpoint.Json([.. endpoint.Fields, new(field.Key, "\"dup\"")]))));
                cases.Add(Post($"{name} without {field.Key}", endpoint, Utf8(endpoint.Json(endpoint.Fields.Where(pair => pair.Key != field.Key)))));
            }

            foreach (var (label, body, chunked) in OversizedBodies(endpoint))
            {
                cases.Add(Post(name + " " + label, endpoint, body) with { Chunked = chunked });
            }

            foreach (var contentType in (string[])["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
                         "application/json; charset=utf-16", "application/xml", "", "*/*", "application/json; charset=\u00ff\u00fe"])
            {
                // Kestrel refuses bytes outside ASCII in any header itself (400, empty body).
                cases.Add(Post($"{name} content-type '{contentType}'", endpoint, Utf8(endpoint.Json()))
                    with { ContentType = contentType, KestrelStatus = contentType.Any(c => c > 127) ? 400 : 0 });
            }

            cases.Add(Post(name + " no virtual key", endpoint, Utf8(endpoint.Json()), virtualKey: false) with { Expect = Expect.ClientError });
            foreach (var (label, headers) in BadKeys())
            {
                cases.Add(new HostileCase($"{name} key {label}", "POST", endpoint.Path, Utf8(endpoint.Json()), "application/json",
                    [.. headers, new("x-gateway-virtual-key", endpoint.VirtualKey), Probe()], Expect.Unauthorized,
                    KestrelStatus: label.StartsWith("latin1", StringComparison.Ordinal) ? 400 : 0));
            }
        }

        var chat = _endpoints[0];
        foreach (var (label, headers, expect, kestrel) in HostileHeaders())
        {
            cases.Add(Post("chat header " + label, chat, Utf8(chat.Json()), extraHeaders: headers) with { Expect = expect, KestrelStatus = kestrel });
        }

        foreach (var (method, path, kestrel) in OddRequests())
        {
            cases.Add(new HostileCase($"odd {method} {Shorten(path)}", method, path, method is "GET" or "HEAD" or "OPTIONS" ? null : Utf8(chat.Json()),
                "application/json", Auth(chat.VirtualKey), Expect.MaySucceed, kestrel));
        }

        return cases;
    }

    /// <summary><paramref name="count"/> seeded mutations of valid requests: one to three body mutations, sometimes
    /// an odd gateway header or content type.</summary>
    public List<HostileCase> Random(int seed, int count)
    {
        var random = new Random(seed);
        var cases = new List<HostileCase>(count);
        for (var i = 0; i < count; i++)
        {
            var endpoint = _endpoints[random.Next(_endpoints.Count)];
            var body = Utf8(endpoint.Json(endpoint.With(endpoint.Fields[random.Next(endpoint.Fields.Count)].Key,
                random.Next(4) == 0 ? WrongValues[random.Next(WrongValues.Length)] : endpoint.Fields[random.Next(endpoint.Fields.Count)].Value)));
            var applied = new List<string>();
            for (var m = 1 + random.Next(3); m > 0; m--)
            {
                (body, var label) = Mutate(random, body);
                applied.Add(label);
            }

            var headers = new List<KeyValuePair<string, string>>();
            var expect = Classify(body);
            if (random.Next(5) == 0)
            {
                var (label, extra, headerExpect, _) = RandomHeader(random);
                // Only chat reads the cache headers, and passthrough takes no routing config: elsewhere they are ignored.
                if ((label.StartsWith("cache", StringComparison.Ordinal) && endpoint.Path != "/v1/chat/completions")
                    || (label.StartsWith("config", StringComparison.Ordinal) && endpoint.Path == "/v1/responses"))
                {
                    headerExpect = Expect.MaySucceed;
                }

                headers.AddRange(extra);
                applied.Add(label);
                expect = Combine(expect, headerExpect);
            }

            var contentType = "application/json";
            if (random.Next(10) == 0)
            {
                contentType = ((string[])["text/plain", "", "application/octet-stream", "application/json; charset=latin1"])[random.Next(4)];
                applied.Add("content-type '" + contentType + "'");
            }

            cases.Add(Post($"random #{i} {endpoint.Path} [{string.Join("; ", applied)}]", endpoint, body, extraHeaders: headers)
                with { Expect = expect, ContentType = contentType });
        }

        return cases;
    }

    /// <summary>What a body may get: 413 over the limit, success only if it is still one JSON object.</summary>
    public static Expect Classify(byte[] body)
    {
        if (body.Length > HostileEdge.MaxRequestBodyBytes)
        {
            return Expect.TooLarge;
        }

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            return document.RootElement.ValueKind == JsonValueKind.Object ? Expect.MaySucceed : Expect.ClientError;
        }
        catch (JsonException)
        {
            return Expect.ClientError;
        }
    }

    /// <summary>Headers are checked before the body is read, so an odd header may turn a 413 into its own 400.</summary>
    private static Expect Combine(Expect body, Expect header) =>
        body == Expect.MaySucceed ? header
        : header == Expect.MaySucceed && body != Expect.TooLarge ? body
        : Expect.ClientError;

    private static (byte[] Body, string Label) Mutate(Random random, byte[] body)
    {
        switch (random.Next(12))
        {
            case 0:
                var cut = random.Next(body.Length + 1);
                return (body[..cut], $"truncate@{cut}");
            case 1:
                var flipped = (byte[])body.Clone();
                var flipAt = random.Next(Math.Max(flipped.Length, 1));
                if (flipped.Length > 0)
                {
                    flipped[flipAt] = (byte)random.Next(256);
                }

                return (flipped, $"byte@{flipAt}");
            case 2:
                var token = Tokens[random.Next(Tokens.Length)];
                var insertAt = random.Next(body.Length + 1);
                return ([.. body[..insertAt], .. Utf8(token), .. body[insertAt..]], $"insert '{Shorten(token)}'@{insertAt}");
            case 3:
                var bad = InvalidUtf8[random.Next(InvalidUtf8.Length)];
                var at = StringInterior(random, body);
                return ([.. body[..at], .. bad, .. body[at..]], $"invalid-utf8@{at}");
            case 4:
                var depth = random.Next(2) == 0 ? 65 : 10_000;
                return (Nest(body, depth, random.Next(2) == 0 ? '[' : '{'), $"nest {depth}");
            case 5:
                return ([.. body, .. Utf8(((string[])["x", "}", "{}", " null", "\u0000", "\r\n\r\nGET / HTTP/1.1"])[random.Next(6)])], "trailing");
            case 6:
                return ([0xEF, 0xBB, 0xBF, .. body], "bom");
            case 7:
                var start = random.Next(body.Length + 1);
                var length = random.Next(body.Length - start + 1);
                return ([.. body[..start], .. body[(start + length)..]], $"delete {start}+{length}");
            case 8:
                var repeatFrom = random.Next(body.Length + 1);
                var slice = body[repeatFrom..Math.Min(body.Length, repeatFrom + random.Next(1, 64))];
                return ([.. body[..repeatFrom], .. slice, .. slice, .. body[repeatFrom..]], $"repeat@{repeatFrom}");
            case 9:
                // Many properties: the scanners walk every one.
                var many = new StringBuilder("{");
                for (var i = 0; i < 5_000; i++)
                {
                    many.Append("\"k").Append(i).Append("\":").Append(i).Append(',');
                }

                return ([.. Utf8(many.ToString()), .. body.Length > 0 ? body[1..] : body], "5000 properties");
            case 10:
                var noise = new byte[random.Next(1, 256)];
                random.NextBytes(noise);
                return (noise, "random bytes");
            default:
                var padding = random.Next(2) == 0 ? HostileEdge.MaxRequestBodyBytes : HostileEdge.MaxRequestBodyBytes / 2;
                return (Pad(body, padding), $"pad {padding}");
        }
    }

    private static (string Label, List<KeyValuePair<string, string>> Headers, Expect Expect, int Kestrel) RandomHeader(Random random)
    {
        var candidates = HostileHeaders().Where(h => h.Kestrel == 0).ToList();
        return candidates[random.Next(candidates.Count)];
    }

    private IEnumerable<(string Label, byte[] Body)> BrokenBodies(HostileEndpoint endpoint)
    {
        var valid = Utf8(endpoint.Json());
        yield return ("empty", []);
        yield return ("whitespace", Utf8(" \r\n\t "));
        foreach (var scalar in (string[])["null", "[]", "\"" + edge.PromptMarker + "\"", "123", "true", "[{}]", "{}"])
        {
            yield return ("root " + Shorten(scalar), Utf8(scalar));
        }

        yield return ("truncated half", valid[..(valid.Length / 2)]);
        yield return ("truncated last", valid[..^1]);
        yield return ("trailing garbage", [.. valid, .. "xyz"u8]);
        yield return ("second object", [.. valid, .. valid]);
        yield return ("trailing comma", Utf8(endpoint.Json()[..^1] + ",}"));
        yield return ("comment", Utf8("/* " + edge.PromptMarker + " */" + endpoint.Json()));
        yield return ("bom", [0xEF, 0xBB, 0xBF, .. valid]);
        yield return ("utf16", Encoding.Unicode.GetBytes(endpoint.Json()));
        yield return ("nul bytes", [.. valid[..5], 0, 0, .. valid[5..]]);
        yield return ("single quotes", Utf8(endpoint.Json().Replace('"', '\'')));
        yield return ("NaN value", Utf8(endpoint.Json(endpoint.With(endpoint.Fields[^1].Key, "NaN"))));
        yield return ("Infinity value", Utf8(endpoint.Json(endpoint.With(endpoint.Fields[^1].Key, "-Infinity"))));
        yield return ("unquoted key", Utf8("{model:1," + endpoint.Json()[1..]));
        yield return ("raw control char in string", Utf8(endpoint.Json().Replace(" tell", "\u0001tell", StringComparison.Ordinal)));
        yield return ("raw newline in string", Utf8(endpoint.Json().Replace(" tell", "\ntell", StringComparison.Ordinal)));
        yield return ("lone surrogate escape in prompt", Utf8(endpoint.Json().Replace(" tell", "\\ud800tell", StringComparison.Ordinal)));
        yield return ("bad escape", Utf8(endpoint.Json().Replace(" tell", "\\qtell", StringComparison.Ordinal)));
        foreach (var bad in InvalidUtf8)
        {
            var hex = Convert.ToHexString(bad);
            yield return ("invalid utf8 in prompt " + hex, Splice(valid, edge.PromptMarker, bad));
            yield return ("invalid utf8 in model " + hex, Splice(valid, "\"model\":\"", bad, after: true));
            yield return ("invalid utf8 in key " + hex, Splice(valid, "\"model", bad, after: true));
        }

        yield return ("invalid utf8 outside strings", [.. valid[..1], 0xFF, .. valid[1..]]);
        yield return ("nested 10000 arrays", Nest(valid, 10_000, '['));
        yield return ("nested 10000 objects", Nest(valid, 10_000, '{'));
        yield return ("nested 65 arrays", Nest(valid, 65, '['));
        yield return ("root nested 10000", Utf8(new string('[', 10_000) + new string(']', 10_000)));
        yield return ("unclosed nesting 20000", Utf8(new string('[', 20_000)));
        yield return ("nested messages content", Utf8(endpoint.Json(endpoint.With(endpoint.Fields[0].Key == "model" ? endpoint.Fields[^1].Key : "model",
            new string('[', 9_000) + new string(']', 9_000)))));
        yield return ("huge number", Utf8(endpoint.Json(endpoint.With(endpoint.Fields[^1].Key, "1" + new string('0', 20_000)))));
        yield return ("huge exponent", Utf8(endpoint.Json(endpoint.With(endpoint.Fields[^1].Key, "1e99999999999999999999"))));
        yield return ("long model", Utf8(endpoint.Json(endpoint.With("model", "\"" + new string('x', 30_000) + "\""))));
        yield return ("escaped long model", Utf8(endpoint.Json(endpoint.With("model", "\"" + string.Concat(Enumerable.Repeat("\\u0041", 5_000)) + "\""))));
        yield return ("random bytes", RandomBytes(1, 2_000));
    }

    private static IEnumerable<(string Label, byte[] Body, bool Chunked)> OversizedBodies(HostileEndpoint endpoint)
    {
        var valid = Utf8(endpoint.Json());
        yield return ("limit exactly", Pad(valid, HostileEdge.MaxRequestBodyBytes), false);
        yield return ("limit + 1", Pad(valid, HostileEdge.MaxRequestBodyBytes + 1), false);
        yield return ("limit + 1 chunked", Pad(valid, HostileEdge.MaxRequestBodyBytes + 1), true);
        yield return ("8x limit", Pad(valid, 8 * HostileEdge.MaxRequestBodyBytes), false);
        yield return ("8x limit chunked", Pad(valid, 8 * HostileEdge.MaxRequestBodyBytes), true);
        yield return ("8x limit garbage", RandomBytes(2, 8 * HostileEdge.MaxRequestBodyBytes), false);
    }

    private IEnumerable<(string Label, IReadOnlyList<KeyValuePair<string, string>> Headers)> BadKeys()
    {
        var key = edge.Tenant.ApiKey;
        yield return ("missing", []);
        yield return ("empty bearer", [new("Authorization", "Bearer ")]);
        yield return ("unknown", [new("Authorization", "Bearer gk_" + Guid.NewGuid().ToString("N"))]);
        yield return ("key plus one", [new("Authorization", "Bearer " + key + "x")]);
        yield return ("key truncated", [new("Authorization", "Bearer " + key[..^1])]);
        yield return ("key twice", [new("Authorization", "Bearer " + key + key)]);
        yield return ("basic", [new("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:" + key)))]);
        yield return ("latin1 key", [new("Authorization", "Bearer gk_\u00e9\u00ff\u00c3(")]);
        yield return ("long key", [new("Authorization", "Bearer gk_" + new string('k', 7_000))]);
        yield return ("empty gateway header", [new("x-gateway-api-key", "")]);
        yield return ("x-api-key unknown", [new("x-api-key", "gk_unknown_" + Guid.NewGuid().ToString("N"))]);
        yield return ("portkey unknown", [new("x-portkey-api-key", "pk-" + Guid.NewGuid().ToString("N"))]);
    }

    /// <summary>Gateway headers out of bounds, malformed or flooded; Kestrel answers header floods itself (431).</summary>
    private static IEnumerable<(string Label, List<KeyValuePair<string, string>> Headers, Expect Expect, int Kestrel)> HostileHeaders()
    {
        static List<KeyValuePair<string, string>> One(string name, string value) => [new(name, value)];

        var deepJson = new string('{', 0) + string.Concat(Enumerable.Repeat("{\"a\":", 3_000)) + "1" + new string('}', 3_000);
        foreach (var metadata in (string[])["x-gateway-metadata", "x-portkey-metadata"])
        {
            yield return (metadata + " 9KB", One(metadata, "{\"a\":\"" + new string('v', 9 * 1024) + "\"}"), Expect.ClientError, 0);
            yield return (metadata + " not json", One(metadata, "{team:search"), Expect.ClientError, 0);
            yield return (metadata + " array", One(metadata, "[\"a\"]"), Expect.ClientError, 0);
            yield return (metadata + " number value", One(metadata, "{\"a\":1}"), Expect.ClientError, 0);
            yield return (metadata + " nested", One(metadata, "{\"a\":{\"b\":\"c\"}}"), Expect.ClientError, 0);
            yield return (metadata + " deep", One(metadata, deepJson[..Math.Min(deepJson.Length, 7_000)]), Expect.ClientError, 0);
            yield return (metadata + " 40 keys", One(metadata, "{" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"k{i}\":\"v\"")) + "}"), Expect.ClientError, 0);
            yield return (metadata + " long key", One(metadata, "{\"" + new string('k', 100) + "\":\"v\"}"), Expect.ClientError, 0);
            yield return (metadata + " long value", One(metadata, "{\"k\":\"" + new string('v', 600) + "\"}"), Expect.ClientError, 0);
            yield return (metadata + " empty key", One(metadata, "{\"\":\"v\"}"), Expect.ClientError, 0);
            yield return (metadata + " trailing", One(metadata, "{\"k\":\"v\"} x"), Expect.ClientError, 0);
            yield return (metadata + " escaped surrogate", One(metadata, "{\"k\":\"\\ud800\"}"), Expect.MaySucceed, 0);
            yield return (metadata + " latin1 bytes", One(metadata, "{\"k\":\"\u00ff\u00c3(\"}"), Expect.MaySucceed, 400);
            yield return (metadata + " duplicate keys", One(metadata, "{\"k\":\"a\",\"k\":\"b\"}"), Expect.MaySucceed, 0);
        }

        yield return ("40 meta headers", [.. Enumerable.Range(0, 40).Select(i => new KeyValuePair<string, string>($"x-gateway-meta-k{i}", "v"))], Expect.ClientError, 0);
        yield return ("meta header long value", One("x-gateway-meta-team", new string('v', 600)), Expect.ClientError, 0);
        yield return ("llmgateway long key", One("X-LLMGateway-" + new string('K', 100), "v"), Expect.ClientError, 0);
        yield return ("user 600 chars", One("x-gateway-user", new string('u', 600)), Expect.ClientError, 0);
        yield return ("user 9KB", One("x-gateway-user", new string('u', 9 * 1024)), Expect.ClientError, 0);
        yield return ("timeout garbage", One("x-gateway-request-timeout", "soon"), Expect.ClientError, 0);
        yield return ("timeout negative", One("x-gateway-request-timeout", "-5"), Expect.ClientError, 0);
        yield return ("timeout huge", One("x-gateway-request-timeout", "99999999999999999999999"), Expect.MaySucceed, 0);
        yield return ("timeout float", One("x-gateway-request-timeout", "1e3"), Expect.ClientError, 0);
        yield return ("cache max-age negative", [new("x-gateway-cache", "true"), new("Cache-Control", "max-age=-1")], Expect.ClientError, 0);
        yield return ("cache max-age huge", [new("x-gateway-cache", "true"), new("Cache-Control", "max-age=99999999999999999999")], Expect.ClientError, 0);
        yield return ("cache mode garbage", One("x-gateway-cache", "sometimes"), Expect.MaySucceed, 0);
        yield return ("config broken json", One("x-gateway-config", "{\"strategy\":"), Expect.ClientError, 0);
        yield return ("config deep json", One("x-gateway-config", deepJson[..Math.Min(deepJson.Length, 7_000)]), Expect.ClientError, 0);
        yield return ("config unknown id", One("x-gateway-config", "cfg-" + Guid.NewGuid().ToString("N")), Expect.ClientError, 0);
        yield return ("config wrong types", One("x-gateway-config", "{\"strategy\":{\"mode\":42},\"targets\":\"x\"}"), Expect.ClientError, 0);
        yield return ("config escaped surrogate", One("x-gateway-config", "{\"targets\":[{\"virtual_key\":\"\\ud800\"}]}"), Expect.ClientError, 0);
        yield return ("config 9KB", One("x-gateway-config", "{\"x\":\"" + new string('c', 9 * 1024) + "\"}"), Expect.ClientError, 0);
        yield return ("custom host garbage", One("x-gateway-custom-host", "not a url"), Expect.ClientError, 0);
        yield return ("custom host metadata address", One("x-gateway-custom-host", "http://169.254.169.254/v1"), Expect.ClientError, 0);
        yield return ("custom host file", One("x-gateway-custom-host", "file:///etc/passwd"), Expect.ClientError, 0);
        yield return ("custom host bad ipv6", One("x-gateway-custom-host", "http://[::1/v1"), Expect.ClientError, 0);
        yield return ("forward 100 names", One("x-gateway-forward-headers", string.Join(",", Enumerable.Range(0, 100).Select(i => "h" + i))), Expect.ClientError, 0);
        yield return ("forward credentials", One("x-gateway-forward-headers", "authorization, x-api-key, cookie"), Expect.MaySucceed, 0);
        yield return ("forward garbage", One("x-gateway-forward-headers", ",,, ,\t,"), Expect.MaySucceed, 0);
        yield return ("provider garbage", One("x-gateway-provider", "\u00ff\u00fe"), Expect.ClientError, 400);
        yield return ("provider unknown", One("x-gateway-provider", "nope"), Expect.ClientError, 0);
        yield return ("trace id 8KB", One("x-gateway-trace-id", new string('t', 8 * 1024)), Expect.MaySucceed, 0);
        yield return ("trace id odd", One("x-gateway-trace-id", "\"<script>\" ;,"), Expect.MaySucceed, 0);
        yield return ("traceparent garbage", One("traceparent", "00-zzzz-yyyy-01"), Expect.MaySucceed, 0);
        yield return ("virtual key unknown", One("x-gateway-virtual-key-2", "x"), Expect.MaySucceed, 0);
        yield return ("latin1 user", One("x-gateway-user", "\u00ff\u00c3(\u00e9"), Expect.MaySucceed, 400);
        yield return ("control char", One("x-gateway-user", "a\u0001b"), Expect.MaySucceed, 400);
        // Kestrel's defaults: at most 100 headers and 32 KB of them; it answers 431 before the app runs.
        yield return ("300 headers", [.. Enumerable.Range(0, 300).Select(i => new KeyValuePair<string, string>($"x-flood-{i}", "v"))], Expect.ClientError, 431);
        yield return ("40KB header", One("x-flood", new string('f', 40 * 1024)), Expect.ClientError, 431);
        yield return ("90 meta headers", [.. Enumerable.Range(0, 90).Select(i => new KeyValuePair<string, string>($"x-gateway-meta-k{i}", "v"))], Expect.ClientError, 0);
    }

    private static IEnumerable<(string Method, string Path, int Kestrel)> OddRequests()
    {
        yield return ("GET", "/v1/chat/completions", 0);
        yield return ("PUT", "/v1/chat/completions", 0);
        yield return ("DELETE", "/v1/embeddings", 0);
        yield return ("PATCH", "/v1/messages", 0);
        yield return ("OPTIONS", "/v1/chat/completions", 0);
        yield return ("HEAD", "/v1/models", 0);
        yield return ("FOO", "/v1/chat/completions", 0);
        yield return ("POST", "/v1/", 0);
        yield return ("POST", "/v1/%2e%2e/%2e%2e/etc/passwd", 0);
        yield return ("POST", "/v1/files/..%2F..%2Fadmin", 0);
        // Kestrel refuses a path that decodes to invalid UTF-8 or NUL itself.
        yield return ("POST", "/v1/%ff%fe%00", 400);
        yield return ("POST", "/not-an-api", 0);
        yield return ("GET", "/v1.txt", 0);
        yield return ("POST", "/v1/" + new string('a', 2_000), 0);
        yield return ("POST", "/v1/" + new string('a', 9_000), 414);
        yield return ("POST", "/v1/chat/completions?x=" + new string('q', 3_000), 0);
        yield return ("POST", "/v1/messages/count_tokens", 0);
        yield return ("GET", "/v1/models?limit=-1", 0);
    }

    private HostileCase Post(string name, HostileEndpoint endpoint, byte[] body, bool virtualKey = true,
        IReadOnlyList<KeyValuePair<string, string>>? extraHeaders = null)
    {
        var headers = virtualKey ? Auth(endpoint.VirtualKey) : [new("Authorization", "Bearer " + edge.Tenant.ApiKey), Probe()];
        return new HostileCase(name, "POST", endpoint.Path, body, "application/json", [.. headers, .. extraHeaders ?? []], Classify(body));
    }

    private List<KeyValuePair<string, string>> Auth(string virtualKey) =>
        [new("Authorization", "Bearer " + edge.Tenant.ApiKey), new("x-gateway-virtual-key", virtualKey), Probe()];

    /// <summary>A header the gateway neither reads nor forwards, carrying the marker: it must not be logged either.</summary>
    private KeyValuePair<string, string> Probe() => new("x-hostile-probe", edge.PromptMarker);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "...";

    /// <summary>A position inside the first string value after the first colon, so the bytes land in a string.</summary>
    private static int StringInterior(Random random, byte[] body)
    {
        var colon = Array.IndexOf(body, (byte)':');
        var quote = colon < 0 ? -1 : Array.IndexOf(body, (byte)'"', colon);
        return quote < 0 ? random.Next(body.Length + 1) : quote + 1;
    }

    private static byte[] Splice(byte[] body, string anchor, byte[] insert, bool after = false)
    {
        var at = body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(anchor));
        if (at < 0)
        {
            return [.. insert, .. body];
        }

        at += after ? Encoding.UTF8.GetByteCount(anchor) : 0;
        return [.. body[..at], .. insert, .. body[at..]];
    }

    /// <summary>The body as the innermost value of <paramref name="depth"/> nested arrays or objects.</summary>
    private static byte[] Nest(byte[] body, int depth, char open)
    {
        var builder = new StringBuilder(depth * 8 + body.Length);
        var inner = Encoding.UTF8.GetString(body);
        if (open == '[')
        {
            builder.Append("{\"model\":\"gpt-4o-mini\",\"x\":").Append('[', depth).Append(inner).Append(']', depth).Append('}');
        }
        else
        {
            builder.Append("{\"model\":\"gpt-4o-mini\",\"x\":");
            builder.Insert(builder.Length, "{\"a\":", depth);
            builder.Append(inner).Append('}', depth).Append('}');
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>The body with a padding field making it <paramref name="size"/> bytes long (when it is an object).</summary>
    private static byte[] Pad(byte[] body, int size)
    {
        var room = Math.Max(size - body.Length - "\"pad\":\"\",".Length, 0);
        var open = body.Length > 0 && body[0] == (byte)'{' ? 1 : 0;
        return [.. body[..open], .. "\"pad\":\""u8, .. Encoding.ASCII.GetBytes(new string('p', room)), .. "\","u8, .. body[open..]];
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
