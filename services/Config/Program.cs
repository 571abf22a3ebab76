using Gateway.Config;
using Gateway.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddConfigServices();
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapConfig();
app.Run();

public partial class Program;
