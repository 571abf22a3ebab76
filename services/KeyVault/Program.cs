using Gateway.KeyVault;
using Gateway.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKeyVaultServices();
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapKeyVault();
app.Run();

public partial class Program;
