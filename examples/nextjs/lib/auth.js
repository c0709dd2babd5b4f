// What used to be the app's NextAuth configuration. nextauth has the providers and callbacks now;
// the object stays only so that existing `getServerSession(authOptions)` calls keep compiling
// (@nextauth-rs/next accepts the argument and ignores it).
export const authOptions = {};
