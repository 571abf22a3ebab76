using Gateway.Cache;
using Gateway.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCacheServices();
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCache();
app.Run();

public partial class Program;
