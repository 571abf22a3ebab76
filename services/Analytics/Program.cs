using Gateway.Analytics;
using Gateway.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAnalyticsServices();
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAnalytics();
app.Run();

public partial class Program;
