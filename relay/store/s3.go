package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 upload tuning: a Put buffers at most about PartSize*(Concurrency+2) bytes
// (about 20 MiB), whatever the object's size. 5 MiB is the smallest part S3
// and R2 accept; 10,000 parts of it still allow 50 GB objects.
const (
	S3PartSize    = 5 << 20
	S3Concurrency = 2
)

// S3Storage keeps objects in an S3-compatible bucket. It is set up for
// Cloudflare R2 and works with any S3 API: region "auto", path-style
// addressing, and checksums only when an operation requires them (the SDK's
// default CRC32 trailers make R2 answer 501 or store the aws-chunked framing).
type S3Storage struct {
	client   *s3.Client
	uploader *transfermanager.Client
	bucket   string
}

var _ Storage = (*S3Storage)(nil)

// NewS3 returns storage on cfg's bucket. It does not contact the bucket.
func NewS3(ctx context.Context, cfg Config) (*S3Storage, error) {
	cfg.Kind = KindS3
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var awsCfg aws.Config
	if cfg.AccessKeyID != "" {
		awsCfg = aws.Config{
			Region:      cfg.region(),
			Credentials: credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.Secret, ""),
		}
	} else {
		var err error
		awsCfg, err = awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.region()))
		if err != nil {
			return nil, fmt.Errorf("s3 storage: load aws config: %w", err)
		}
	}
	awsCfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	awsCfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
		} else {
			o.UsePathStyle = cfg.UsePathStyle
		}
	})
	// The transfer manager reads every part, and an object under one part,
	// into memory before sending it, so SigV4 can hash each body (also over
	// plain HTTP, where an unseekable stream could not be signed).
	uploader := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = S3PartSize
		o.MultipartUploadThreshold = S3PartSize
		o.Concurrency = S3Concurrency
		// The transfer manager has its own checksum default (CRC32 on every
		// upload) that overrides the client's setting.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	return &S3Storage{client: client, uploader: uploader, bucket: cfg.Bucket}, nil
}

// Put implements Storage. Objects of any size are streamed: up to one part
// they go in one PutObject, larger ones as a multipart upload that is
// completed only when every part is stored (and aborted otherwise), so a
// reader never sees a partial object.
func (s *S3Storage) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	in := &transfermanager.UploadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
		Body:   &sizedReader{r: r, size: size},
	}
	if strings.HasSuffix(key, ".docpack") {
		in.ContentType = aws.String("application/vnd.doctown.docpack+zip")
	}
	if _, err := s.uploader.UploadObject(ctx, in); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get implements Storage.
func (s *S3Storage) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	if err := ValidateKey(key); err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		if isNotFound(err) {
			return nil, 0, fmt.Errorf("get %s: %w", key, ErrNotFound)
		}
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return out.Body, size, nil
}

// Delete implements Storage.
func (s *S3Storage) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var nf *types.NotFound
	if errors.As(err, &nf) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return true
		}
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() == http.StatusNotFound {
		// A 404 for a missing bucket is not "no such object".
		return api == nil || api.ErrorCode() != "NoSuchBucket"
	}
	return false
}

// Rename implements Storage: a server-side copy, then the source deleted.
func (s *S3Storage) Rename(ctx context.Context, from, to string) error {
	if err := ValidateKey(from); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if err := ValidateKey(to); err != nil {
		return fmt.Errorf("rename to %s: %w", to, err)
	}
	in := &s3.CopyObjectInput{
		Bucket:     aws.String(s.bucket),
		Key:        aws.String(to),
		CopySource: aws.String(s.bucket + "/" + from),
	}
	if strings.HasSuffix(to, ".docpack") {
		in.ContentType = aws.String("application/vnd.doctown.docpack+zip")
		in.MetadataDirective = types.MetadataDirectiveReplace
	}
	if _, err := s.client.CopyObject(ctx, in); err != nil {
		if isNotFound(err) {
			return fmt.Errorf("rename %s: %w", from, ErrNotFound)
		}
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if err := s.Delete(ctx, from); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	return nil
}

// RemoveStale implements Storage: objects under prefix last modified before
// before (a multipart upload that never completed is not an object; a
// bucket lifecycle rule aborts those).
func (s *S3Storage) RemoveStale(ctx context.Context, prefix string, before time.Time) (int, error) {
	n := 0
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("remove stale: %w", err)
		}
		for _, o := range page.Contents {
			if o.Key == nil || o.LastModified == nil || !o.LastModified.Before(before) {
				continue
			}
			if err := s.Delete(ctx, *o.Key); err != nil {
				return n, fmt.Errorf("remove stale: %w", err)
			}
			n++
		}
	}
	return n, nil
}
