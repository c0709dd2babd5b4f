import Providers from "./providers";

export const metadata = { title: "nextauth-rs × Next.js" };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", maxWidth: "40rem", margin: "2rem auto", padding: "0 1rem" }}>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
