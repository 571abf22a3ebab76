using Gateway.Edge;
using Gateway.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEdgeServices();
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapEdge();
app.Run();

public partial class Program;
