; Inno Setup 6 script: the Windows installer around the PyInstaller one-folder app.
; Build the app first (packaging/llmstudio.spec, see packaging/README.md), then from the
; repository root:
;     iscc /DAppVersion=0.1.0 packaging\windows\llmstudio.iss
; It writes dist\llmstudio-<version>-windows-x64-setup.exe. Installs for the current user
; by default (no administrator rights); the dialog offers "all users" to an administrator.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
; Paths are relative to this script's folder.
#define Root "..\.."
#define AppDir Root + "\dist\llmstudio"

[Setup]
; One AppId for every version: a new installer upgrades the old installation in place.
AppId={{6F1C2B7A-3D84-4E5B-9A61-0C7E2D9B4F35}
AppName=llmstudio
AppVersion={#AppVersion}
AppVerName=llmstudio {#AppVersion}
AppPublisher=llmstudio
DefaultDirName={autopf}\llmstudio
DefaultGroupName=llmstudio
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=llmstudio-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\llmstudio\resources\icons\llmstudio.ico
UninstallDisplayIcon={app}\llmstudio.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Project files (.llmstudio) open in the app when double-clicked.
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#AppDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\llmstudio"; Filename: "{app}\llmstudio.exe"
Name: "{autodesktop}\llmstudio"; Filename: "{app}\llmstudio.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\.llmstudio"; ValueType: string; ValueName: ""; ValueData: "llmstudio.project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\llmstudio.project"; ValueType: string; ValueName: ""; ValueData: "llmstudio project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\llmstudio.project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\llmstudio.exe,0"
Root: HKA; Subkey: "Software\Classes\llmstudio.project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\llmstudio.exe"" ""%1"""

[Run]
Filename: "{app}\llmstudio.exe"; Description: "{cm:LaunchProgram,llmstudio}"; Flags: nowait postinstall skipifsilent
