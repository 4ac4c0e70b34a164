"""The kiosk touchscreen UI (Kivy): screens, the snapshot/command bridge, login and i18n."""
