// The part of @elastic/mockotlpserver (plain JavaScript, no types) the receiver benchmark uses.
declare module '@elastic/mockotlpserver' {
  export class MockOtlpServer {
    constructor(options: {
      logLevel?: string;
      services?: ('http' | 'grpc' | 'ui')[];
      httpHostname?: string;
      httpPort?: number;
      grpcHostname?: string;
      grpcPort?: number;
      onTrace?: (request: never) => void;
    });
    httpUrl: string | null;
    grpcUrl: string | null;
    start(): Promise<void>;
    close(): Promise<void>;
  }
}
