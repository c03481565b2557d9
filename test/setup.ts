import 'aws-sdk-client-mock-jest';

// The SDK warns once per process that it will require Node 22 from 2027. Users of the CLIs on Node 20 see it;
// in test output it would only bury the results.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
